// Reference multi-head attention (the oracle for the fused kernel): per (batch, head, query),
// softmax(q . k_j * scale + mask) weighted sum of v_j, on [batch, seq, heads * head_dim] tensors.
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

struct AttentionParams {
  int64_t batch, seq_q, seq_k, heads, head_dim;
  float scale;
  // Additive mask broadcast to [batch, heads, seq_q, seq_k] (stride 0 where it broadcasts);
  // null when there is none.
  const float* mask;
  int64_t mask_stride_b, mask_stride_h, mask_stride_q;
};

void attention(const AttentionParams& p, const float* q, const float* k, const float* v, float* out);

}  // namespace lacuna::kernels::ref
