// The depthwise loop nest, included by one .cc per ISA (compiled with that ISA's flags so the
// inner loops vectorize). Not a public header.
#pragma once

#include <algorithm>
#include <cstring>

#include "kernels/dense/depthwise.h"

namespace lacuna::kernels::depthwise_detail {

// `act` is a callable float -> float applied after bias and residual.
template <class Act>
inline void depthwise_planes(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                             int64_t plane_begin, int64_t plane_end, float* scratch, Act act) {
  const int64_t padded_w = (s.ow - 1) * s.stride_w + (s.s - 1) * s.dil_w + 1;
  float* acc = scratch;                     // one output row
  float* row = scratch + ((s.ow + 15) / 16) * 16;  // one zero-padded input row
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const int64_t c = plane % s.c;
    const float* xp = x + plane * s.h * s.w;
    float* yp = y + plane * s.oh * s.ow;
    const float* wc = w + c * s.r * s.s;
    const float bias = ep.row_bias ? ep.row_bias[c] : 0.f;
    const float* res = ep.residual ? ep.residual + plane * s.oh * s.ow : nullptr;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      for (int64_t i = 0; i < s.ow; ++i) acc[i] = bias;
      for (int64_t r = 0; r < s.r; ++r) {
        const int64_t ih = oh * s.stride_h - s.pad_t + r * s.dil_h;
        if (ih < 0 || ih >= s.h) continue;
        // Input row with pad_l zeros in front and zeros past the end, so taps need no checks.
        const float* src = xp + ih * s.w;
        for (int64_t i = 0; i < padded_w; ++i) {
          const int64_t iw = i - s.pad_l;
          row[i] = (iw >= 0 && iw < s.w) ? src[iw] : 0.f;
        }
        for (int64_t t = 0; t < s.s; ++t) {
          const float wv = wc[r * s.s + t];
          const float* in = row + t * s.dil_w;
          if (s.stride_w == 1) {
            for (int64_t i = 0; i < s.ow; ++i) acc[i] += wv * in[i];
          } else {
            const int64_t sw = s.stride_w;
            for (int64_t i = 0; i < s.ow; ++i) acc[i] += wv * in[i * sw];
          }
        }
      }
      float* out = yp + oh * s.ow;
      if (res) {
        const float* rr = res + oh * s.ow;
        for (int64_t i = 0; i < s.ow; ++i) out[i] = act(acc[i] + rr[i]);
      } else {
        for (int64_t i = 0; i < s.ow; ++i) out[i] = act(acc[i]);
      }
    }
  }
}

// Dispatches the activation to a lambda the compiler can inline into the vectorized loop.
inline void depthwise(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                      int64_t b, int64_t e, float* scratch) {
  const float lo = ep.alpha, hi = ep.beta;
  switch (ep.act) {
    case Activation::kNone: return depthwise_planes(s, x, w, y, ep, b, e, scratch, [](float v) { return v; });
    case Activation::kRelu: return depthwise_planes(s, x, w, y, ep, b, e, scratch, [](float v) { return v > 0.f ? v : 0.f; });
    case Activation::kRelu6:
      return depthwise_planes(s, x, w, y, ep, b, e, scratch, [](float v) { return std::min(std::max(v, 0.f), 6.f); });
    case Activation::kClip:
      return depthwise_planes(s, x, w, y, ep, b, e, scratch, [lo, hi](float v) { return std::min(std::max(v, lo), hi); });
    default: {
      const Activation a = ep.act;
      return depthwise_planes(s, x, w, y, ep, b, e, scratch, [a, lo, hi](float v) { return apply_activation(a, v, lo, hi); });
    }
  }
}

}  // namespace lacuna::kernels::depthwise_detail
