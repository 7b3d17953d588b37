// Multi-head scaled dot-product attention over [batch, seq, heads * head_dim] tensors:
// per (batch, head), S = Q K^T * scale + mask, P = softmax(S), O = P V, using the GEMM micro-kernel
// for both products (K^T and V packed per head into scratch) and the row kernel for the softmax.
#pragma once

#include <cstdint>

#include "kernels/dense/gemm.h"
#include "kernels/dense/rowops.h"

namespace lacuna::kernels {

struct AttentionShape {
  int64_t batch = 1, seq_q = 1, seq_k = 1, heads = 1, head_dim = 1;
  // Row strides (floats) of Q, K, V and the output: the full hidden width for [B, S, E] tensors.
  int64_t q_stride = 0, k_stride = 0, v_stride = 0, out_stride = 0;
};

// An additive mask broadcast to [batch, heads, seq_q, seq_k]: the last dim is contiguous and
// each stride is 0 where the mask broadcasts.
struct AttentionMask {
  const float* data = nullptr;
  int64_t stride_b = 0, stride_h = 0, stride_q = 0;
};

int64_t attention_scratch_floats(const GemmKernel& k, const AttentionShape& s);
int64_t attention_feature_major_scratch_floats(const GemmKernel& k, const AttentionShape& s);
// Heads [bh_begin, bh_end) of the batch * heads work items.
void attention(const GemmKernel& k, const RowKernels& rows, const AttentionShape& s, const float* q, const float* kmat,
               const float* v, const AttentionMask& mask, float scale, float* out, int64_t bh_begin, int64_t bh_end,
               float* scratch);

// The same on channels-first ("feature-major") tensors [batch, heads * head_dim, padded]: Q^T, K^T,
// V^T and O^T rows of seq_q / seq_k used floats, q_stride (= k/v/out_stride) floats apart; the
// output's padding columns are zeroed. Per (batch, head) it
// computes S^T = K Q^T (keys x queries), a column softmax (every query in its own lane), and
// O^T = V^T P^T straight into the output rows -- no transposes of K or V. The mask must not vary
// with the query position (stride_q == 0).
void attention_feature_major(const GemmKernel& k, const RowKernels& rows, const AttentionShape& s, const float* q,
                             const float* kmat, const float* v, const AttentionMask& mask, float scale, float* out,
                             int64_t bh_begin, int64_t bh_end, float* scratch);

}  // namespace lacuna::kernels
