// AVX2 SpMM: 16 output columns per row in 2 ymm accumulators, 4 rows at a time (8 accumulators);
// transposes through plain loops (AVX2 is the fallback tier).
#include <immintrin.h>

#include "kernels/avx2/vmath.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

namespace {

constexpr int kTile = 16;

void rows(const SparseEntry* entries, const int32_t* steps, int64_t groups, const float* x, float* c, int64_t ldc,
          bool accumulate) {
  static_assert(kSparseGroup == 4, "the register blocking below is written for groups of 4 rows");
  for (int64_t g = 0; g < groups; ++g) {
    float* cg = c + g * kSparseGroup * ldc;
    __m256 acc[4][2];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      acc[j][0] = accumulate ? _mm256_loadu_ps(cg + j * ldc) : _mm256_setzero_ps();
      acc[j][1] = accumulate ? _mm256_loadu_ps(cg + j * ldc + 8) : _mm256_setzero_ps();
    }
    const SparseEntry* e = entries + static_cast<int64_t>(steps[g]) * 4;
    const SparseEntry* end = entries + static_cast<int64_t>(steps[g + 1]) * 4;
    for (; e < end; e += 4) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const float* xr = x + e[j].offset;
        const __m256 w = _mm256_set1_ps(e[j].value);
        acc[j][0] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr), acc[j][0]);
        acc[j][1] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + 8), acc[j][1]);
      }
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      _mm256_storeu_ps(cg + j * ldc, acc[j][0]);
      _mm256_storeu_ps(cg + j * ldc + 8, acc[j][1]);
    }
  }
}

void pack_transposed(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst, int64_t ld) {
  for (int64_t t = 0; t < ld; ++t) {
    if (t < cols) {
      const float* row = src + t * ld_src;
      for (int64_t k = 0; k < K; ++k) dst[k * ld + t] = row[k];
    } else {
      for (int64_t k = 0; k < K; ++k) dst[k * ld + t] = 0.f;
    }
  }
}

void unpack_transposed(const float* c, int64_t ld, int64_t n_rows, int64_t cols, float* y, int64_t ld_y,
                       const float* bias, const float* residual, int64_t ld_residual, const Epilogue& ep) {
  for (int64_t t = 0; t < cols; ++t) {
    float* yt = y + t * ld_y;
    for (int64_t o = 0; o < n_rows; ++o) {
      float v = c[o * ld + t] * ep.scale + (bias ? bias[o] : 0.f);
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
