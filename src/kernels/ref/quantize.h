// Reference linear (de)quantization. Rounding follows ONNX Runtime: compute in float, round half
// to even, add the zero point, saturate to the integer type.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace lacuna::kernels::ref {

// Saturating round-half-to-even of v + zero_point into Q's range (NaN maps to the zero point).
template <class Q>
Q round_saturate(float v, int32_t zero_point) {
  constexpr auto lo = static_cast<float>(std::numeric_limits<Q>::lowest());
  constexpr auto hi = static_cast<float>(std::numeric_limits<Q>::max());
  if (std::isnan(v)) v = 0.f;
  // Clamp before converting so that huge values stay defined; round-then-clamp would give the
  // same result because the bounds are integers.
  const float lo_v = lo - static_cast<float>(zero_point);
  const float hi_v = hi - static_cast<float>(zero_point);
  v = v < lo_v ? lo_v : (v > hi_v ? hi_v : v);
  return static_cast<Q>(static_cast<int32_t>(std::nearbyint(v)) + zero_point);
}

// saturate(round(x / scale) + zero_point)
template <class Q>
Q quantize_value(float x, float scale, int32_t zero_point) {
  return round_saturate<Q>(x / scale, zero_point);
}

// saturate(round(acc * multiplier) + zero_point): requantizes an int32 accumulator.
template <class Q>
Q requantize_value(int32_t acc, float multiplier, int32_t zero_point) {
  return round_saturate<Q>(static_cast<float>(acc) * multiplier, zero_point);
}

template <class Q>
float dequantize_value(Q q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int32_t>(q) - zero_point) * scale;
}

// Per-axis layout [outer, channels, inner]: channel c uses scale_of(c) and zero_point_of(c)
// (callables, so that per-tensor and per-channel parameters of any zero-point type are read in
// place). Per-tensor quantization is channels == 1. X converts to float (int32 inputs quantize
// through float, like ONNX Runtime).
template <class X, class Q, class Scale, class ZeroPoint>
void quantize_linear(const X* x, int64_t outer, int64_t channels, int64_t inner, const Scale& scale_of,
                     const ZeroPoint& zero_point_of, Q* y) {
  if (inner <= 0) return;  // empty: do not walk a huge outer x channels grid (found by the fuzzer)
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = scale_of(c);
      const int32_t zp = zero_point_of(c);
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) y[base + i] = quantize_value<Q>(static_cast<float>(x[base + i]), scale, zp);
    }
  }
}

template <class Q, class Scale, class ZeroPoint>
void dequantize_linear(const Q* x, int64_t outer, int64_t channels, int64_t inner, const Scale& scale_of,
                       const ZeroPoint& zero_point_of, float* y) {
  if (inner <= 0) return;  // empty: do not walk a huge outer x channels grid
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = scale_of(c);
      const int32_t zp = zero_point_of(c);
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) y[base + i] = dequantize_value<Q>(x[base + i], scale, zp);
    }
  }
}

// Requantizes int32 accumulators laid out [outer, channels, inner] (channels = output channels of
// a conv, or columns of a matmul with inner = 1): y = saturate(round((acc + bias[c]) *
// multiplier[c]) + zero_point). bias may be null.
template <class Q>
void requantize_channels(const int32_t* acc, int64_t outer, int64_t channels, int64_t inner,
                         const int32_t* bias, const float* multiplier, int32_t zero_point, Q* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (o * channels + c) * inner;
      // The bias add wraps like a 32-bit accumulator would.
      const uint32_t b = bias ? static_cast<uint32_t>(bias[c]) : 0u;
      for (int64_t i = 0; i < inner; ++i) {
        const auto a = static_cast<int32_t>(static_cast<uint32_t>(acc[base + i]) + b);
        y[base + i] = requantize_value<Q>(a, multiplier[c], zero_point);
      }
    }
  }
}

// DynamicQuantizeLinear's parameters for uint8: the range [min(x, 0), max(x, 0)] maps onto
// [0, 255]. An all-zero (or empty) x gives scale 0 and zero point 0.
inline void dynamic_quant_params(const float* x, int64_t n, float* scale, uint8_t* zero_point) {
  float lo = 0.f, hi = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  *scale = (hi - lo) / 255.f;
  if (*scale == 0.f) {
    *zero_point = 0;
    return;
  }
  const float zp = std::fmin(std::fmax(-lo / *scale, 0.f), 255.f);
  *zero_point = static_cast<uint8_t>(std::nearbyint(zp));
}

}  // namespace lacuna::kernels::ref
