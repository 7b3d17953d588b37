// AVX-512 sparse GEMV: 16 non-zeros of a row per step -- their 16-bit column indices widened,
// X gathered at them for each token, one FMA per token -- the row's tail masked.
#include <immintrin.h>

#include "kernels/sparse/sparse_gemv.h"

namespace lacuna::kernels {

namespace {

template <int T>
void rows_t(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1, const float* x,
            int64_t ldx, float* out, int64_t ld_out) {
  for (int64_t r = r0; r < r1; ++r) {
    __m512 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    int64_t e = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    for (; e + 16 <= end; e += 16) {
      const __m512i idx = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + e)));
      const __m512 v = _mm512_loadu_ps(val + e);
      for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(v, _mm512_i32gather_ps(idx, x + t * ldx, 4), acc[t]);
    }
    if (e < end) {
      const __mmask16 m = static_cast<__mmask16>((1u << (end - e)) - 1);
      const __m512i idx = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, col + e));
      const __m512 v = _mm512_maskz_loadu_ps(m, val + e);
      for (int t = 0; t < T; ++t) {
        acc[t] = _mm512_fmadd_ps(v, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, x + t * ldx, 4), acc[t]);
      }
    }
    for (int t = 0; t < T; ++t) out[t * ld_out + (r - r0)] = _mm512_reduce_add_ps(acc[t]);
  }
}

void rows(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1, const float* x,
          int64_t ldx, int tokens, float* out, int64_t ld_out) {
  with_token_count(tokens, [&](auto t) { rows_t<decltype(t)::value>(row_ptr, col, val, r0, r1, x, ldx, out, ld_out); });
}

}  // namespace

const SparseGemvKernel kSparseGemvAvx512 = {"sparse_gemv_f32_avx512", Isa::kAvx512, rows};

}  // namespace lacuna::kernels
