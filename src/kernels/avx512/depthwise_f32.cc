// AVX-512 depthwise convolution: 16 output columns per vector, taps accumulated in registers;
// stride 2 picks the even lanes of two loads with one permute.
#include <immintrin.h>

#include "kernels/avx512/vmath.h"
#include "kernels/dense/depthwise.h"

namespace lacuna::kernels {

namespace {

template <int kStride>
inline __m512 load_taps(const float* p, __m512i even) {
  if constexpr (kStride == 1) {
    return _mm512_loadu_ps(p);
  } else {
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
  }
}

// Fixed kernel sizes: taps unrolled with their weights in registers, two output rows per pass
// sharing the input rows they overlap on.
template <int kR, int kS, int kStride>
void planes_fixed(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep, int64_t b,
                  int64_t e, float* scratch) {
  const PaddedPlane pp(s);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const int64_t dh = s.dil_h * pp.wp, dw = s.dil_w;
  for (int64_t plane = b; plane < e; ++plane) {
    const int64_t c = plane % s.c;
    pp.fill(s, x + plane * s.h * s.w, scratch, 0.f);
    __m512 wv[kR * kS];
#pragma GCC unroll 25
    for (int t = 0; t < kR * kS; ++t) wv[t] = _mm512_set1_ps(w[c * kR * kS + t]);
    const __m512 bias = _mm512_set1_ps(ep.row_bias ? ep.row_bias[c] : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    const float* res = ep.residual ? ep.residual + plane * s.oh * s.ow : nullptr;
    auto finish = [&](__m512 acc, int64_t o, __mmask16 m) {
      if (res) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, res + o));
      _mm512_mask_storeu_ps(yp + o, m, avx512::activate_ps(acc, ep.act, ep.alpha, ep.beta));
    };
    int64_t oh = 0;
    for (; oh + 1 < s.oh; oh += 2) {
      const float* base0 = scratch + oh * s.stride_h * pp.wp;
      const float* base1 = base0 + s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 16) {
        const __mmask16 m = s.ow - ow >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << (s.ow - ow)) - 1);
        __m512 a0 = bias, a1 = bias;
#pragma GCC unroll 5
        for (int r = 0; r < kR; ++r) {
#pragma GCC unroll 5
          for (int t = 0; t < kS; ++t) {
            a0 = _mm512_fmadd_ps(wv[r * kS + t], load_taps<kStride>(base0 + ow * kStride + r * dh + t * dw, even), a0);
            a1 = _mm512_fmadd_ps(wv[r * kS + t], load_taps<kStride>(base1 + ow * kStride + r * dh + t * dw, even), a1);
          }
        }
        finish(a0, oh * s.ow + ow, m);
        finish(a1, (oh + 1) * s.ow + ow, m);
      }
    }
    for (; oh < s.oh; ++oh) {
      const float* base0 = scratch + oh * s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 16) {
        const __mmask16 m = s.ow - ow >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << (s.ow - ow)) - 1);
        __m512 a0 = bias;
#pragma GCC unroll 5
        for (int r = 0; r < kR; ++r) {
#pragma GCC unroll 5
          for (int t = 0; t < kS; ++t) {
            a0 = _mm512_fmadd_ps(wv[r * kS + t], load_taps<kStride>(base0 + ow * kStride + r * dh + t * dw, even), a0);
          }
        }
        finish(a0, oh * s.ow + ow, m);
      }
    }
  }
}

template <int kStride>
void planes(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep, int64_t b,
            int64_t e, float* scratch) {
  const PaddedPlane pp(s);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const int64_t taps = s.r * s.s;
  for (int64_t plane = b; plane < e; ++plane) {
    const int64_t c = plane % s.c;
    pp.fill(s, x + plane * s.h * s.w, scratch, 0.f);
    const float* wc = w + c * taps;
    const __m512 bias = _mm512_set1_ps(ep.row_bias ? ep.row_bias[c] : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    const float* res = ep.residual ? ep.residual + plane * s.oh * s.ow : nullptr;
    __m512 wv[25];
    const bool small = taps <= 25;
    if (small) {
      for (int64_t t = 0; t < taps; ++t) wv[t] = _mm512_set1_ps(wc[t]);
    }
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      const float* base = scratch + oh * s.stride_h * pp.wp;
      for (int64_t ow = 0; ow < s.ow; ow += 16) {
        const __mmask16 m = s.ow - ow >= 16 ? static_cast<__mmask16>(0xffff)
                                            : static_cast<__mmask16>((1u << (s.ow - ow)) - 1);
        __m512 acc = bias;
        const float* in = base + ow * kStride;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = in + r * s.dil_h * pp.wp;
          for (int64_t t = 0; t < s.s; ++t) {
            const __m512 wt = small ? wv[r * s.s + t] : _mm512_set1_ps(wc[r * s.s + t]);
            acc = _mm512_fmadd_ps(wt, load_taps<kStride>(row + t * s.dil_w, even), acc);
          }
        }
        const int64_t o = oh * s.ow + ow;
        if (res) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, res + o));
        _mm512_mask_storeu_ps(yp + o, m, avx512::activate_ps(acc, ep.act, ep.alpha, ep.beta));
      }
    }
  }
}

}  // namespace

void depthwise_avx512(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                      int64_t b, int64_t e, float* scratch) {
  if (s.r == 3 && s.s == 3 && s.stride_w == 1) planes_fixed<3, 3, 1>(s, x, w, y, ep, b, e, scratch);
  else if (s.r == 3 && s.s == 3 && s.stride_w == 2) planes_fixed<3, 3, 2>(s, x, w, y, ep, b, e, scratch);
  else if (s.r == 5 && s.s == 5 && s.stride_w == 1) planes_fixed<5, 5, 1>(s, x, w, y, ep, b, e, scratch);
  else if (s.r == 5 && s.s == 5 && s.stride_w == 2) planes_fixed<5, 5, 2>(s, x, w, y, ep, b, e, scratch);
  else if (s.stride_w == 1) planes<1>(s, x, w, y, ep, b, e, scratch);
  else if (s.stride_w == 2) planes<2>(s, x, w, y, ep, b, e, scratch);
  else depthwise_scalar(s, x, w, y, ep, b, e, scratch);
}

}  // namespace lacuna::kernels
