// AVX2 sparse GEMV: 8 non-zeros of a row per step (indices widened, X gathered per token), the
// row's last few non-zeros scalar.
#include <immintrin.h>

#include "kernels/sparse/sparse_gemv.h"

namespace lacuna::kernels {

namespace {

float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 h = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}

template <int T>
void rows_t(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1, const float* x,
            int64_t ldx, float* out, int64_t ld_out) {
  for (int64_t r = r0; r < r1; ++r) {
    __m256 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    int64_t e = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    for (; e + 8 <= end; e += 8) {
      const __m256i idx = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(col + e)));
      const __m256 v = _mm256_loadu_ps(val + e);
      for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(v, _mm256_i32gather_ps(x + t * ldx, idx, 4), acc[t]);
    }
    for (int t = 0; t < T; ++t) {
      float s = hsum(acc[t]);
      for (int64_t i = e; i < end; ++i) s += val[i] * x[t * ldx + col[i]];
      out[t * ld_out + (r - r0)] = s;
    }
  }
}

void rows(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1, const float* x,
          int64_t ldx, int tokens, float* out, int64_t ld_out) {
  with_token_count(tokens, [&](auto t) { rows_t<decltype(t)::value>(row_ptr, col, val, r0, r1, x, ldx, out, ld_out); });
}

}  // namespace

const SparseGemvKernel kSparseGemvAvx2 = {"sparse_gemv_f32_avx2", Isa::kAvx2, rows};

}  // namespace lacuna::kernels
