// AVX-512 2-D transpose in 16x16 register blocks (masked at the edges).
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx512/transpose.h"
#include "kernels/dense/transpose.h"

namespace lacuna::kernels {

void transpose_avx512(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld_x, int64_t ld_y) {
  auto lanes = [](int64_t n) {
    return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
  };
  __m512 v[16];
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t h = std::min<int64_t>(16, rows - r0);
    const __mmask16 rm = lanes(h);
    for (int64_t c0 = 0; c0 < cols; c0 += 16) {
      const int64_t w = std::min<int64_t>(16, cols - c0);
      const __mmask16 cm = lanes(w);
      for (int i = 0; i < 16; ++i) v[i] = i < h ? _mm512_maskz_loadu_ps(cm, x + (r0 + i) * ld_x + c0) : _mm512_setzero_ps();
      avx512::transpose16(v);
      for (int64_t j = 0; j < w; ++j) _mm512_mask_storeu_ps(y + (c0 + j) * ld_y + r0, rm, v[j]);
    }
  }
}

}  // namespace lacuna::kernels
