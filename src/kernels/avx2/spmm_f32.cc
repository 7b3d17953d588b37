// AVX2 SpMM: 32 output columns per row in 4 ymm accumulators, two interleaved sets; transposes
// through the scalar path (AVX2 is the fallback tier).
#include <immintrin.h>

#include "kernels/avx2/vmath.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

namespace {

constexpr int kTile = 32;

void rows(const SparseEntry* entries, const int32_t* begins, int64_t n_rows, const float* x, float* c, int64_t ldc,
          bool accumulate) {
  for (int64_t r = 0; r < n_rows; ++r) {
    float* cr = c + r * ldc;
    __m256 a0, a1, a2, a3;
    if (accumulate) {
      a0 = _mm256_loadu_ps(cr);
      a1 = _mm256_loadu_ps(cr + 8);
      a2 = _mm256_loadu_ps(cr + 16);
      a3 = _mm256_loadu_ps(cr + 24);
    } else {
      a0 = a1 = a2 = a3 = _mm256_setzero_ps();
    }
    __m256 b0 = _mm256_setzero_ps(), b1 = b0, b2 = b0, b3 = b0;
    int32_t e = begins[r];
    const int32_t end = begins[r + 1];
    for (; e + 1 < end; e += 2) {
      const float* x0 = x + entries[e].offset;
      const float* x1 = x + entries[e + 1].offset;
      const __m256 w0 = _mm256_set1_ps(entries[e].value);
      const __m256 w1 = _mm256_set1_ps(entries[e + 1].value);
      a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0), a0);
      a1 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 8), a1);
      a2 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 16), a2);
      a3 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 24), a3);
      b0 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1), b0);
      b1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1 + 8), b1);
      b2 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1 + 16), b2);
      b3 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1 + 24), b3);
    }
    if (e < end) {
      const float* x0 = x + entries[e].offset;
      const __m256 w0 = _mm256_set1_ps(entries[e].value);
      a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0), a0);
      a1 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 8), a1);
      a2 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 16), a2);
      a3 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 24), a3);
    }
    _mm256_storeu_ps(cr, _mm256_add_ps(a0, b0));
    _mm256_storeu_ps(cr + 8, _mm256_add_ps(a1, b1));
    _mm256_storeu_ps(cr + 16, _mm256_add_ps(a2, b2));
    _mm256_storeu_ps(cr + 24, _mm256_add_ps(a3, b3));
  }
}

void pack_transposed(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst) {
  for (int64_t t = 0; t < kTile; ++t) {
    if (t < cols) {
      const float* row = src + t * ld_src;
      for (int64_t k = 0; k < K; ++k) dst[k * kTile + t] = row[k];
    } else {
      for (int64_t k = 0; k < K; ++k) dst[k * kTile + t] = 0.f;
    }
  }
}

void unpack_transposed(const float* c, int64_t n_rows, int64_t cols, float* y, int64_t ld_y, const float* bias,
                       const float* residual, int64_t ld_residual, const Epilogue& ep) {
  for (int64_t t = 0; t < cols; ++t) {
    float* yt = y + t * ld_y;
    for (int64_t o = 0; o < n_rows; ++o) {
      float v = c[o * kTile + t] * ep.scale + (bias ? bias[o] : 0.f);
      if (residual) v += residual[t * ld_residual + o];
      yt[o] = v;
    }
    // Activation vectorized along the row.
    int64_t o = 0;
    for (; o + 8 <= n_rows; o += 8) _mm256_storeu_ps(yt + o, avx2::activate_ps(_mm256_loadu_ps(yt + o), ep.act, ep.alpha, ep.beta));
    for (; o < n_rows; ++o) yt[o] = apply_activation(ep.act, yt[o], ep.alpha, ep.beta);
  }
}

}  // namespace

const SpmmKernel kSpmmAvx2 = {"spmm_f32_32_avx2", Isa::kAvx2, kTile, rows, pack_transposed, unpack_transposed};

}  // namespace lacuna::kernels
