// AVX2 row kernels (see the AVX-512 file for the algorithms); tails go through a small buffer.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/avx2/vmath.h"
#include "kernels/dense/rowops.h"

namespace lacuna::kernels {

namespace {

inline __m256i lane_mask(int64_t left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(left, 8))),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline __m256 load(const float* p, int64_t left, float fill) {
  if (left >= 8) return _mm256_loadu_ps(p);
  const __m256i m = lane_mask(left);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
inline void store(float* p, __m256 v, int64_t left) {
  if (left >= 8) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, lane_mask(left), v);
}
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

void softmax(const float* x, float* y, int64_t n, float scale, const float* add) {
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  for (int64_t i = 0; i < n; i += 8) {
    __m256 v = _mm256_mul_ps(load(x + i, n - i, -INFINITY), vs);
    if (add) v = _mm256_add_ps(v, load(add + i, n - i, 0.f));
    vmax = _mm256_max_ps(vmax, v);
  }
  const __m256 mx = _mm256_set1_ps(hmax(vmax));
  __m256 vsum = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    __m256 v = _mm256_mul_ps(load(x + i, n - i, 0.f), vs);
    if (add) v = _mm256_add_ps(v, load(add + i, n - i, 0.f));
    __m256 e = avx2::exp_ps(_mm256_sub_ps(v, mx));
    if (n - i < 8) e = _mm256_and_ps(e, _mm256_castsi256_ps(lane_mask(n - i)));
    vsum = _mm256_add_ps(vsum, e);
    store(y + i, e, n - i);
  }
  const __m256 inv = _mm256_set1_ps(1.f / hsum(vsum));
  for (int64_t i = 0; i < n; i += 8) store(y + i, _mm256_mul_ps(load(y + i, n - i, 0.f), inv), n - i);
}

void log_softmax(const float* x, float* y, int64_t n) {
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  for (int64_t i = 0; i < n; i += 8) vmax = _mm256_max_ps(vmax, load(x + i, n - i, -INFINITY));
  const float mxs = hmax(vmax);
  const __m256 mx = _mm256_set1_ps(mxs);
  __m256 vsum = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    __m256 e = avx2::exp_ps(_mm256_sub_ps(load(x + i, n - i, 0.f), mx));
    if (n - i < 8) e = _mm256_and_ps(e, _mm256_castsi256_ps(lane_mask(n - i)));
    vsum = _mm256_add_ps(vsum, e);
  }
  const __m256 lse = _mm256_set1_ps(mxs + std::log(hsum(vsum)));
  for (int64_t i = 0; i < n; i += 8) store(y + i, _mm256_sub_ps(load(x + i, n - i, 0.f), lse), n - i);
}

void layernorm(const float* x, float* y, int64_t n, const float* gamma, const float* beta, float eps,
               float* mean_out, float* inv_std_out) {
  __m256 s = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) s = _mm256_add_ps(s, load(x + i, n - i, 0.f));
  const float mean = hsum(s) / static_cast<float>(n);
  const __m256 vm = _mm256_set1_ps(mean);
  __m256 s2 = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    const __m256 d = _mm256_sub_ps(load(x + i, n - i, mean), vm);
    s2 = _mm256_fmadd_ps(d, d, s2);
  }
  const float inv = 1.f / std::sqrt(hsum(s2) / static_cast<float>(n) + eps);
  const __m256 vi = _mm256_set1_ps(inv);
  for (int64_t i = 0; i < n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(load(x + i, n - i, 0.f), vm), vi);
    if (gamma) v = _mm256_mul_ps(v, load(gamma + i, n - i, 0.f));
    if (beta) v = _mm256_add_ps(v, load(beta + i, n - i, 0.f));
    store(y + i, v, n - i);
  }
  if (mean_out) *mean_out = mean;
  if (inv_std_out) *inv_std_out = inv;
}

// Columns 8 at a time (see the AVX-512 file).
void softmax_cols(float* s, int64_t rows, int64_t cols, int64_t ld, float scale, const float* add) {
  const __m256 vs = _mm256_set1_ps(scale);
  for (int64_t c = 0; c < cols; c += 8) {
    const int64_t left = cols - c;
    float* col = s + c;
    __m256 mx = _mm256_set1_ps(-INFINITY);
    for (int64_t r = 0; r < rows; ++r) {
      __m256 v = _mm256_mul_ps(load(col + r * ld, left, 0.f), vs);
      if (add) v = _mm256_add_ps(v, _mm256_set1_ps(add[r]));
      mx = _mm256_max_ps(mx, v);
    }
    __m256 sum = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      __m256 v = _mm256_mul_ps(load(col + r * ld, left, 0.f), vs);
      if (add) v = _mm256_add_ps(v, _mm256_set1_ps(add[r]));
      const __m256 e = avx2::exp_ps(_mm256_sub_ps(v, mx));
      sum = _mm256_add_ps(sum, e);
      store(col + r * ld, e, left);
    }
    const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.f), sum);
    for (int64_t r = 0; r < rows; ++r) store(col + r * ld, _mm256_mul_ps(load(col + r * ld, left, 0.f), inv), left);
  }
}

void layernorm_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld, const float* gamma,
                    const float* beta, float eps) {
  const __m256 n = _mm256_set1_ps(static_cast<float>(rows));
  for (int64_t c = 0; c < cols; c += 8) {
    const int64_t left = cols - c;
    __m256 sum = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) sum = _mm256_add_ps(sum, load(x + r * ld + c, left, 0.f));
    const __m256 mean = _mm256_div_ps(sum, n);
    __m256 s2 = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      const __m256 d = _mm256_sub_ps(load(x + r * ld + c, left, 0.f), mean);
      s2 = _mm256_fmadd_ps(d, d, s2);
    }
    const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_sqrt_ps(_mm256_add_ps(_mm256_div_ps(s2, n), _mm256_set1_ps(eps))));
    for (int64_t r = 0; r < rows; ++r) {
      __m256 v = _mm256_mul_ps(_mm256_sub_ps(load(x + r * ld + c, left, 0.f), mean), inv);
      if (gamma) v = _mm256_mul_ps(v, _mm256_set1_ps(gamma[r]));
      if (beta) v = _mm256_add_ps(v, _mm256_set1_ps(beta[r]));
      store(y + r * ld + c, v, left);
    }
  }
}

}  // namespace

const RowKernels kRowKernelsAvx2 = {"rowops_avx2", softmax, log_softmax, layernorm, softmax_cols, layernorm_cols};

}  // namespace lacuna::kernels
