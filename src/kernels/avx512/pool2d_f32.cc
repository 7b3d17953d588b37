// AVX-512 pooling: 16 output columns per vector over a padded plane.
#include <immintrin.h>

#include <cmath>

#include "kernels/dense/padded_plane.h"
#include "kernels/dense/pool2d.h"

namespace lacuna::kernels {

namespace {

template <int kStride>
inline __m512 load_taps(const float* p, __m512i even) {
  if constexpr (kStride == 1) return _mm512_loadu_ps(p);
  else return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}

template <int kStride, bool kMax>
void planes(const Conv2dShape& s, const float* x, float* y, const float* inv_count, int64_t b, int64_t e,
            float* scratch) {
  const PaddedPlane pp(s);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512 init = _mm512_set1_ps(kMax ? -INFINITY : 0.f);
  for (int64_t plane = b; plane < e; ++plane) {
    pp.fill(s, x + plane * s.h * s.w, scratch, kMax ? -INFINITY : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      const float* base = scratch + oh * s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 16) {
        const __mmask16 m = s.ow - ow >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << (s.ow - ow)) - 1);
        __m512 acc = init;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = base + r * s.dil_h * pp.wp + ow * kStride;
          for (int64_t t = 0; t < s.s; ++t) {
            const __m512 v = load_taps<kStride>(row + t * s.dil_w, even);
            acc = kMax ? _mm512_max_ps(acc, v) : _mm512_add_ps(acc, v);
          }
        }
        const int64_t o = oh * s.ow + ow;
        if constexpr (!kMax) acc = _mm512_mul_ps(acc, _mm512_maskz_loadu_ps(m, inv_count + o));
        _mm512_mask_storeu_ps(yp + o, m, acc);
      }
    }
  }
}

}  // namespace

void pool2d_avx512(const Conv2dShape& s, PoolMode mode, const float* x, float* y, const float* inv_count,
                   int64_t b, int64_t e, float* scratch) {
  const bool max = mode == PoolMode::kMax;
  if (s.stride_w == 1) max ? planes<1, true>(s, x, y, inv_count, b, e, scratch) : planes<1, false>(s, x, y, inv_count, b, e, scratch);
  else if (s.stride_w == 2) max ? planes<2, true>(s, x, y, inv_count, b, e, scratch) : planes<2, false>(s, x, y, inv_count, b, e, scratch);
  else pool2d_scalar(s, mode, x, y, inv_count, b, e, scratch);
}

void global_pool_avx512(PoolMode mode, const float* x, float* y, int64_t size, int64_t b, int64_t e) {
  for (int64_t p = b; p < e; ++p) {
    const float* xp = x + p * size;
    __m512 acc = _mm512_set1_ps(mode == PoolMode::kMax ? -INFINITY : 0.f);
    for (int64_t i = 0; i < size; i += 16) {
      const __mmask16 m = size - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (size - i)) - 1);
      if (mode == PoolMode::kMax) acc = _mm512_mask_max_ps(acc, m, acc, _mm512_maskz_loadu_ps(m, xp + i));
      else acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, xp + i));
    }
    y[p] = mode == PoolMode::kMax ? _mm512_reduce_max_ps(acc) : _mm512_reduce_add_ps(acc) / static_cast<float>(size);
  }
}

}  // namespace lacuna::kernels
