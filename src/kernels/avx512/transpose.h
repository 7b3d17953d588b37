// 16x16 float transposes in registers (include only from files under kernels/avx512/).
#pragma once

#include <immintrin.h>

namespace lacuna::kernels::avx512 {

// In-register 16x16 transpose: r[i] = row i in, column i out.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  // Pairs of rows interleaved within each 128-bit lane.
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // Now r[4i + j], 128-bit lane L = rows 4i..4i+3 at column 4L + j.
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // Column 4L + j gathers lane L of r[j], r[4 + j], r[8 + j], r[12 + j].
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x44);
    t[j + 4] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xee);
    u[j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x44);
    u[j + 4] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xee);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], u[j], 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(t[j], u[j], 0xdd);
    r[8 + j] = _mm512_shuffle_f32x4(t[j + 4], u[j + 4], 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(t[j + 4], u[j + 4], 0xdd);
  }
}

}  // namespace lacuna::kernels::avx512
