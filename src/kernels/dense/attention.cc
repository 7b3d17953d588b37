// Attention driver.
#include "kernels/dense/attention.h"

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

}  // namespace lacuna::kernels
