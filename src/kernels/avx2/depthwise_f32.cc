// AVX2 depthwise convolution: 8 output columns per vector, taps accumulated in registers;
// stride 2 gathers the even lanes with a shuffle and a permute.
#include <immintrin.h>

#include "kernels/avx2/vmath.h"
#include "kernels/dense/depthwise.h"

namespace lacuna::kernels {

namespace {

template <int kStride>
inline __m256 load_taps(const float* p) {
  if constexpr (kStride == 1) {
    return _mm256_loadu_ps(p);
  } else {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const __m256 ev = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), _MM_SHUFFLE(3, 1, 2, 0)));
  }
}

inline __m256i lane_mask(int64_t valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(valid)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int kStride>
void planes(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep, int64_t b,
            int64_t e, float* scratch) {
  const PaddedPlane pp(s);
  const int64_t taps = s.r * s.s;
  for (int64_t plane = b; plane < e; ++plane) {
    const int64_t c = plane % s.c;
    pp.fill(s, x + plane * s.h * s.w, scratch, 0.f);
    const float* wc = w + c * taps;
    const __m256 bias = _mm256_set1_ps(ep.row_bias ? ep.row_bias[c] : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    const float* res = ep.residual ? ep.residual + plane * s.oh * s.ow : nullptr;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      const float* base = scratch + oh * s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 8) {
        const bool full = s.ow - ow >= 8;
        const __m256i m = lane_mask(s.ow - ow);
        __m256 acc = bias;
        const float* in = base + ow * kStride;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = in + r * s.dil_h * pp.wp;
          for (int64_t t = 0; t < s.s; ++t) {
            acc = _mm256_fmadd_ps(_mm256_set1_ps(wc[r * s.s + t]), load_taps<kStride>(row + t * s.dil_w), acc);
          }
        }
        const int64_t o = oh * s.ow + ow;
        if (res) acc = _mm256_add_ps(acc, full ? _mm256_loadu_ps(res + o) : _mm256_maskload_ps(res + o, m));
        acc = avx2::activate_ps(acc, ep.act, ep.alpha, ep.beta);
        if (full) _mm256_storeu_ps(yp + o, acc);
        else _mm256_maskstore_ps(yp + o, m, acc);
      }
    }
  }
}

}  // namespace

void depthwise_avx2(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                    int64_t b, int64_t e, float* scratch) {
  if (s.stride_w == 1) planes<1>(s, x, w, y, ep, b, e, scratch);
  else if (s.stride_w == 2) planes<2>(s, x, w, y, ep, b, e, scratch);
  else depthwise_scalar(s, x, w, y, ep, b, e, scratch);
}

}  // namespace lacuna::kernels
