// The AVX2 vector type of the NCHWc templates (dense/blocked_templates.h): 8 lanes, so 8
// channels per block; convolution tiles of up to 12 ymm accumulators and 3 output blocks (the
// weights and one broadcast take the other registers).
#pragma once

#include <immintrin.h>

#include "kernels/avx2/vmath.h"

namespace lacuna::kernels::avx2 {

struct Vec8 {
  using T = __m256;
  static constexpr int kBlock = 8;
  static constexpr int kMaxAcc = 12;
  static constexpr int kMaxOb = 3;
  static constexpr int kPlainMaxOb = 3;  // one output block measured no faster here
  static constexpr int kDwRun = 6;
  static __m256i lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float v) { return _mm256_set1_ps(v); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T load_n(const float* p, int n) { return _mm256_maskload_ps(p, lanes(n)); }
  static void store_n(float* p, T v, int n) { _mm256_maskstore_ps(p, lanes(n), v); }
  static T bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  // 8x8 in registers: r[i] = row i in, column i out.
  static void transpose(T r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    // u[j] (j < 4) holds columns j and j + 4 of rows 0-3 in its 128-bit halves; u[4 + j] rows 4-7.
    for (int j = 0; j < 4; ++j) {
      r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
      r[j + 4] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
  }
  static T activate(T v, Activation act, float alpha, float beta) { return activate_ps(v, act, alpha, beta); }
};

}  // namespace lacuna::kernels::avx2
