// Attention driver.
#include "kernels/dense/attention.h"

#include <algorithm>
#include <cstring>

namespace lacuna::kernels {

namespace {
int64_t align16(int64_t n) { return (n + 15) / 16 * 16; }
}  // namespace

int64_t attention_scratch_floats(const GemmKernel& k, const AttentionShape& s) {
  return align16(packed_b_floats(s.head_dim, s.seq_k, k.nr)) + align16(packed_b_floats(s.seq_k, s.head_dim, k.nr)) +
         align16(s.seq_q * s.seq_k) + align16(gemm_scratch_floats(k, s.seq_q));
}

void attention(const GemmKernel& k, const RowKernels& rows, const AttentionShape& s, const float* q, const float* kmat,
               const float* v, const AttentionMask& mask, float scale, float* out, int64_t bh_begin, int64_t bh_end,
               float* scratch) {
  float* kt = scratch;
  float* vp = kt + align16(packed_b_floats(s.head_dim, s.seq_k, k.nr));
  float* scores = vp + align16(packed_b_floats(s.seq_k, s.head_dim, k.nr));
  float* apack = scores + align16(s.seq_q * s.seq_k);
  const Epilogue none;
  for (int64_t bh = bh_begin; bh < bh_end; ++bh) {
    const int64_t b = bh / s.heads, h = bh % s.heads;
    const float* qh = q + b * s.seq_q * s.q_stride + h * s.head_dim;
    const float* kh = kmat + b * s.seq_k * s.k_stride + h * s.head_dim;
    const float* vh = v + b * s.seq_k * s.v_stride + h * s.head_dim;
    float* oh = out + b * s.seq_q * s.out_stride + h * s.head_dim;
    // Scores = Q_h K_h^T: K_h is seq_k x head_dim, so B = K_h^T is its transpose.
    k.pack_b(kh, s.k_stride, s.head_dim, s.seq_k, /*transposed=*/true, kt);
    const PackedB ktv = PackedB::view(kt, s.head_dim, s.seq_k, k.nr);
    gemm_packed(k, qh, s.q_stride, false, ktv, scores, s.seq_k, 0, s.seq_q, 0, ktv.panels(), none, apack);
    for (int64_t i = 0; i < s.seq_q; ++i) {
      const float* m = mask.data ? mask.data + b * mask.stride_b + h * mask.stride_h + i * mask.stride_q : nullptr;
      rows.softmax(scores + i * s.seq_k, scores + i * s.seq_k, s.seq_k, scale, m);
    }
    k.pack_b(vh, s.v_stride, s.seq_k, s.head_dim, false, vp);
    const PackedB vv = PackedB::view(vp, s.seq_k, s.head_dim, k.nr);
    gemm_packed(k, scores, s.seq_k, false, vv, oh, s.out_stride, 0, s.seq_q, 0, vv.panels(), none, apack);
  }
}

int64_t attention_feature_major_scratch_floats(const GemmKernel& k, const AttentionShape& s) {
  return align16(packed_b_floats(s.head_dim, s.seq_q, k.nr)) + align16(s.seq_k * s.seq_q) +
         align16(packed_b_floats(s.seq_k, s.seq_q, k.nr)) + align16(gemm_scratch_floats(k, std::max(s.seq_k, s.head_dim)));
}

void attention_feature_major(const GemmKernel& k, const RowKernels& rows, const AttentionShape& s, const float* q,
                             const float* kmat, const float* v, const AttentionMask& mask, float scale, float* out,
                             int64_t bh_begin, int64_t bh_end, float* scratch) {
  const int64_t d = s.head_dim, tq = s.seq_q, tk = s.seq_k, e = s.heads * d, ld = s.q_stride;
  float* qp = scratch;
  float* st = qp + align16(packed_b_floats(d, tq, k.nr));
  float* pp = st + align16(tk * tq);
  float* apack = pp + align16(packed_b_floats(tk, tq, k.nr));
  const Epilogue none;
  for (int64_t bh = bh_begin; bh < bh_end; ++bh) {
    const int64_t b = bh / s.heads, h = bh % s.heads;
    const float* qh = q + (b * e + h * d) * ld;
    const float* kh = kmat + (b * e + h * d) * ld;
    const float* vh = v + (b * e + h * d) * ld;
    float* oh = out + (b * e + h * d) * ld;
    // S^T [tk x tq] = K Q^T: A = K, given as K^T (d x tk); B = Q^T (d x tq).
    k.pack_b(qh, ld, d, tq, /*transposed=*/false, qp);
    const PackedB qv = PackedB::view(qp, d, tq, k.nr);
    gemm_packed(k, kh, ld, /*a_transposed=*/true, qv, st, tq, 0, tk, 0, qv.panels(), none, apack);
    const float* m = mask.data ? mask.data + b * mask.stride_b + h * mask.stride_h : nullptr;
    rows.softmax_cols(st, tk, tq, tq, scale, m);
    // O^T [d x tq] = V^T P^T: A = V^T (d x tk), B = P^T = S^T.
    k.pack_b(st, tq, tk, tq, /*transposed=*/false, pp);
    const PackedB pv = PackedB::view(pp, tk, tq, k.nr);
    gemm_packed(k, vh, ld, /*a_transposed=*/false, pv, oh, ld, 0, d, 0, pv.panels(), none, apack);
    if (ld > tq) {
      for (int64_t r = 0; r < d; ++r) std::memset(oh + r * ld + tq, 0, static_cast<size_t>(ld - tq) * sizeof(float));
    }
  }
}

}  // namespace lacuna::kernels
