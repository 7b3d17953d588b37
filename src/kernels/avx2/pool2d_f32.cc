// AVX2 pooling: 8 output columns per vector over a padded plane.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/dense/padded_plane.h"
#include "kernels/dense/pool2d.h"

namespace lacuna::kernels {

namespace {

template <int kStride>
inline __m256 load_taps(const float* p) {
  if constexpr (kStride == 1) {
    return _mm256_loadu_ps(p);
  } else {
    const __m256 ev = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), _MM_SHUFFLE(3, 1, 2, 0)));
  }
}

inline __m256i lane_mask(int64_t valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(valid, 8))),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int kStride, bool kMax>
void planes(const Conv2dShape& s, const float* x, float* y, const float* inv_count, int64_t b, int64_t e,
            float* scratch) {
  const PaddedPlane pp(s);
  const __m256 init = _mm256_set1_ps(kMax ? -INFINITY : 0.f);
  for (int64_t plane = b; plane < e; ++plane) {
    pp.fill(s, x + plane * s.h * s.w, scratch, kMax ? -INFINITY : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      const float* base = scratch + oh * s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 8) {
        const __m256i m = lane_mask(s.ow - ow);
        __m256 acc = init;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = base + r * s.dil_h * pp.wp + ow * kStride;
          for (int64_t t = 0; t < s.s; ++t) {
            const __m256 v = load_taps<kStride>(row + t * s.dil_w);
            acc = kMax ? _mm256_max_ps(acc, v) : _mm256_add_ps(acc, v);
          }
        }
        const int64_t o = oh * s.ow + ow;
        if constexpr (!kMax) acc = _mm256_mul_ps(acc, _mm256_maskload_ps(inv_count + o, m));
        _mm256_maskstore_ps(yp + o, m, acc);
      }
    }
  }
}

}  // namespace

void pool2d_avx2(const Conv2dShape& s, PoolMode mode, const float* x, float* y, const float* inv_count,
                 int64_t b, int64_t e, float* scratch) {
  const bool max = mode == PoolMode::kMax;
  if (s.stride_w == 1) max ? planes<1, true>(s, x, y, inv_count, b, e, scratch) : planes<1, false>(s, x, y, inv_count, b, e, scratch);
  else if (s.stride_w == 2) max ? planes<2, true>(s, x, y, inv_count, b, e, scratch) : planes<2, false>(s, x, y, inv_count, b, e, scratch);
  else pool2d_scalar(s, mode, x, y, inv_count, b, e, scratch);
}

void global_pool_avx2(PoolMode mode, const float* x, float* y, int64_t size, int64_t b, int64_t e) {
  for (int64_t p = b; p < e; ++p) {
    const float* xp = x + p * size;
    __m256 acc = _mm256_set1_ps(mode == PoolMode::kMax ? -INFINITY : 0.f);
    int64_t i = 0;
    for (; i + 8 <= size; i += 8) {
      const __m256 v = _mm256_loadu_ps(xp + i);
      acc = mode == PoolMode::kMax ? _mm256_max_ps(acc, v) : _mm256_add_ps(acc, v);
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, acc);
    float r = mode == PoolMode::kMax ? -INFINITY : 0.f;
    for (float v : lanes) r = mode == PoolMode::kMax ? std::max(r, v) : r + v;
    for (; i < size; ++i) r = mode == PoolMode::kMax ? std::max(r, xp[i]) : r + xp[i];
    y[p] = mode == PoolMode::kMax ? r : r / static_cast<float>(size);
  }
}

}  // namespace lacuna::kernels
