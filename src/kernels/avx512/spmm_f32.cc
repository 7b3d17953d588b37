// AVX-512 SpMM: 64 output columns per row in 4 zmm accumulators, with two interleaved sets so
// that consecutive non-zeros do not wait on each other's FMA latency; and 16x16 register
// transposes for the linear layers' activation tiles.
#include <immintrin.h>

#include "kernels/avx512/transpose.h"
#include "kernels/avx512/vmath.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

namespace {

constexpr int kTile = 64;

void rows(const SparseEntry* entries, const int32_t* steps, int64_t groups, const float* x, float* c, int64_t ldc,
          bool accumulate) {
  static_assert(kSparseGroup == 4, "the register blocking below is written for groups of 4 rows");
  for (int64_t g = 0; g < groups; ++g) {
    float* cg = c + g * kSparseGroup * ldc;
    __m512 acc[4][4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) acc[j][v] = accumulate ? _mm512_loadu_ps(cg + j * ldc + 16 * v) : _mm512_setzero_ps();
    }
    const SparseEntry* e = entries + static_cast<int64_t>(steps[g]) * 4;
    const SparseEntry* end = entries + static_cast<int64_t>(steps[g + 1]) * 4;
    for (; e < end; e += 4) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const float* xr = x + e[j].offset;
        const __m512 w = _mm512_set1_ps(e[j].value);
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) acc[j][v] = _mm512_fmadd_ps(w, _mm512_loadu_ps(xr + 16 * v), acc[j][v]);
      }
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) _mm512_storeu_ps(cg + j * ldc + 16 * v, acc[j][v]);
    }
  }
}

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : (n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1));
}

void pack_transposed(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst, int64_t ld) {
  __m512 r[16];
  for (int64_t t0 = 0; t0 < ld; t0 += 16) {
    for (int64_t k0 = 0; k0 < K; k0 += 16) {
      const __mmask16 km = lanes(K - k0);
      for (int i = 0; i < 16; ++i) {
        r[i] = t0 + i < cols ? _mm512_maskz_loadu_ps(km, src + (t0 + i) * ld_src + k0) : _mm512_setzero_ps();
      }
      avx512::transpose16(r);
      for (int i = 0; i < 16 && k0 + i < K; ++i) _mm512_storeu_ps(dst + (k0 + i) * ld + t0, r[i]);
    }
  }
}

void unpack_transposed(const float* c, int64_t ld, int64_t n_rows, int64_t cols, float* y, int64_t ld_y,
                       const float* bias, const float* residual, int64_t ld_residual, const Epilogue& ep) {
  __m512 r[16];
  const __m512 scale = _mm512_set1_ps(ep.scale);
  const LocalEpilogue le(&ep);  // the stores to y may alias ep's fields
  for (int64_t o0 = 0; o0 < n_rows; o0 += 16) {
    const __mmask16 om = lanes(n_rows - o0);
    const __m512 b = bias ? _mm512_maskz_loadu_ps(om, bias + o0) : _mm512_setzero_ps();
    for (int64_t t0 = 0; t0 < cols; t0 += 16) {
      for (int i = 0; i < 16; ++i) r[i] = o0 + i < n_rows ? _mm512_loadu_ps(c + (o0 + i) * ld + t0) : _mm512_setzero_ps();
      avx512::transpose16(r);
      for (int i = 0; i < 16 && t0 + i < cols; ++i) {
        const int64_t t = t0 + i;
        __m512 v = _mm512_fmadd_ps(r[i], scale, b);
        if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(om, residual + t * ld_residual + o0));
        _mm512_mask_storeu_ps(y + t * ld_y + o0, om, avx512::activate_ps(v, le.act, le.alpha, le.beta));
      }
    }
  }
}

}  // namespace

const SpmmKernel kSpmmAvx512 = {"spmm_f32_64_avx512", Isa::kAvx512, kTile, rows, pack_transposed, unpack_transposed};

}  // namespace lacuna::kernels
