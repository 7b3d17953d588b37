// The AVX-512 vector type of the NCHWc templates (dense/blocked_templates.h): 16 lanes, so 16
// channels per block; convolution tiles of up to 28 zmm accumulators and 4 output blocks.
#pragma once

#include <immintrin.h>

#include "kernels/avx512/transpose.h"
#include "kernels/avx512/vmath.h"

namespace lacuna::kernels::avx512 {

struct Vec16 {
  using T = __m512;
  static constexpr int kBlock = 16;
  static constexpr int kMaxAcc = 28;
  static constexpr int kMaxOb = 4;
  // Plain (NCHW) inputs: one output block per tile, every FMA broadcasting its input pixel from
  // memory. ResNet-50's 7x7 stem 28x1 vs the cost model's 14x2: paired 0.82; VGG-16's first
  // layer 0.91 (micro-benchmarks, alternated). On blocked inputs it is no better.
  static constexpr int kPlainMaxOb = 1;
  static constexpr int kDwRun = 8;
  static __mmask16 lanes(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float v) { return _mm512_set1_ps(v); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(lanes(n), p); }
  static void store_n(float* p, T v, int n) { _mm512_mask_storeu_ps(p, lanes(n), v); }
  static T bcast(const float* p) { return _mm512_set1_ps(*p); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static void transpose(T r[16]) { transpose16(r); }
  static T activate(T v, Activation act, float alpha, float beta) { return activate_ps(v, act, alpha, beta); }
};

}  // namespace lacuna::kernels::avx512
