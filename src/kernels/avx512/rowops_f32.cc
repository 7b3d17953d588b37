// AVX-512 row kernels: softmax (rows of up to 256 held in registers; longer ones in two passes:
// max, then exp-sum-scale) and layer normalization
// (mean and variance in one pass with float accumulators per lane).
#include <immintrin.h>

#include <cmath>

#include "kernels/avx512/vmath.h"
#include "kernels/dense/rowops.h"

namespace lacuna::kernels {

namespace {

inline __mmask16 tail_mask(int64_t left) {
  if (left <= 0) return 0;
  return left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
}

// Rows of up to 16 * V floats held in registers: one load and one store per element, and max
// and sum reduced as trees (attention's 128-key rows: 8 vectors; the two-pass loop below reads
// the row three times and chains every max and add).
template <int V>
void softmax_in_registers(const float* x, float* y, int64_t n, float scale, const float* add) {
  const __m512 vs = _mm512_set1_ps(scale);
  const __m512 lowest = _mm512_set1_ps(-INFINITY);
  __m512 r[V], t[V];
  __mmask16 m[V];
#pragma GCC unroll 16
  for (int j = 0; j < V; ++j) {
    m[j] = tail_mask(n - 16 * j);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m[j], x + 16 * j), vs);
    if (add) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m[j], add + 16 * j));
    r[j] = _mm512_mask_blend_ps(m[j], lowest, v);
    t[j] = r[j];
  }
#pragma GCC unroll 16
  for (int w = V / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) t[j] = _mm512_max_ps(t[j], t[j + w]);
  }
  const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(t[0]));
#pragma GCC unroll 16
  for (int j = 0; j < V; ++j) {
    r[j] = _mm512_maskz_mov_ps(m[j], avx512::exp_ps(_mm512_sub_ps(r[j], mx)));
    t[j] = r[j];
  }
#pragma GCC unroll 16
  for (int w = V / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) t[j] = _mm512_add_ps(t[j], t[j + w]);
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(t[0]));
#pragma GCC unroll 16
  for (int j = 0; j < V; ++j) _mm512_mask_storeu_ps(y + 16 * j, m[j], _mm512_mul_ps(r[j], inv));
}

void softmax(const float* x, float* y, int64_t n, float scale, const float* add) {
  if (n <= 32) return softmax_in_registers<2>(x, y, n, scale, add);
  if (n <= 64) return softmax_in_registers<4>(x, y, n, scale, add);
  if (n <= 128) return softmax_in_registers<8>(x, y, n, scale, add);
  if (n <= 256) return softmax_in_registers<16>(x, y, n, scale, add);
  const __m512 vs = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs);
    if (add) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, add + i));
    vmax = _mm512_mask_max_ps(vmax, m, vmax, v);
  }
  const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
  __m512 vsum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs);
    if (add) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, add + i));
    const __m512 e = avx512::exp_ps(_mm512_sub_ps(v, mx));
    vsum = _mm512_mask_add_ps(vsum, m, vsum, e);
    _mm512_mask_storeu_ps(y + i, m, e);
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(vsum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), inv));
  }
}

void log_softmax(const float* x, float* y, int64_t n) {
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, x + i));
  }
  const float mxs = _mm512_reduce_max_ps(vmax);
  const __m512 mx = _mm512_set1_ps(mxs);
  __m512 vsum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    vsum = _mm512_mask_add_ps(vsum, m, vsum, avx512::exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), mx)));
  }
  const __m512 lse = _mm512_set1_ps(mxs + std::log(_mm512_reduce_add_ps(vsum)));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), lse));
  }
}

void layernorm(const float* x, float* y, int64_t n, const float* gamma, const float* beta, float eps,
               float* mean_out, float* inv_std_out) {
  __m512 s = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(tail_mask(n - i), x + i));
  const float mean = _mm512_reduce_add_ps(s) / static_cast<float>(n);
  const __m512 vm = _mm512_set1_ps(mean);
  __m512 s2 = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), vm);
    s2 = _mm512_fmadd_ps(d, d, s2);
  }
  const float inv = 1.f / std::sqrt(_mm512_reduce_add_ps(s2) / static_cast<float>(n) + eps);
  const __m512 vi = _mm512_set1_ps(inv);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm), vi);
    if (gamma) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, gamma + i));
    if (beta) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, beta + i));
    _mm512_mask_storeu_ps(y + i, m, v);
  }
  if (mean_out) *mean_out = mean;
  if (inv_std_out) *inv_std_out = inv;
}

// Columns 16 at a time; every lane is its own softmax, so no horizontal reductions.
void softmax_cols(float* s, int64_t rows, int64_t cols, int64_t ld, float scale, const float* add) {
  const __m512 vs = _mm512_set1_ps(scale);
  for (int64_t c = 0; c < cols; c += 16) {
    const __mmask16 m = tail_mask(cols - c);
    float* col = s + c;
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int64_t r = 0; r < rows; ++r) {
      __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, col + r * ld), vs);
      if (add) v = _mm512_add_ps(v, _mm512_set1_ps(add[r]));
      mx = _mm512_max_ps(mx, v);
    }
    __m512 sum = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, col + r * ld), vs);
      if (add) v = _mm512_add_ps(v, _mm512_set1_ps(add[r]));
      const __m512 e = avx512::exp_ps(_mm512_sub_ps(v, mx));
      sum = _mm512_add_ps(sum, e);
      _mm512_mask_storeu_ps(col + r * ld, m, e);
    }
    const __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.f), sum);
    for (int64_t r = 0; r < rows; ++r) {
      _mm512_mask_storeu_ps(col + r * ld, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, col + r * ld), inv));
    }
  }
}

void layernorm_cols(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld, const float* gamma,
                    const float* beta, float eps) {
  const __m512 n = _mm512_set1_ps(static_cast<float>(rows));
  for (int64_t c = 0; c < cols; c += 16) {
    const __mmask16 m = tail_mask(cols - c);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, x + r * ld + c));
    const __m512 mean = _mm512_div_ps(sum, n);
    __m512 s2 = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
      const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + r * ld + c), mean);
      s2 = _mm512_fmadd_ps(d, d, s2);
    }
    const __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.f), _mm512_sqrt_ps(_mm512_add_ps(_mm512_div_ps(s2, n), _mm512_set1_ps(eps))));
    for (int64_t r = 0; r < rows; ++r) {
      __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + r * ld + c), mean), inv);
      if (gamma) v = _mm512_mul_ps(v, _mm512_set1_ps(gamma[r]));
      if (beta) v = _mm512_add_ps(v, _mm512_set1_ps(beta[r]));
      _mm512_mask_storeu_ps(y + r * ld + c, m, v);
    }
  }
}

}  // namespace

const RowKernels kRowKernelsAvx512 = {"rowops_avx512", softmax, log_softmax, layernorm, softmax_cols, layernorm_cols};

}  // namespace lacuna::kernels
