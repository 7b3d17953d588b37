// Reference kernels for quantized elementwise ops: values are dequantized to float, combined, and
// quantized again (round half to even, saturate), as ONNX Runtime's QLinear* contrib ops do.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

#include "kernels/ref/elementwise.h"
#include "kernels/ref/quantize.h"

namespace lacuna::kernels::ref {

struct QParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// c = quantize(dequantize(a) + dequantize(b)) (or the product when `mul`), with broadcasting.
// The ratios are folded as ONNX Runtime does: a_scale / c_scale and b_scale / c_scale for Add,
// a_scale * b_scale / c_scale for Mul.
template <class Q>
void qlinear_binary(const Q* a, const Shape& as, QParams qa, const Q* b, const Shape& bs, QParams qb, Q* c,
                    const Shape& cs, QParams qc, bool mul) {
  if (mul) {
    const float ratio = qa.scale * qb.scale / qc.scale;
    binary_broadcast(a, as, b, bs, c, cs, [&](Q x, Q y) {
      const float v = static_cast<float>((static_cast<int32_t>(x) - qa.zero_point) *
                                         (static_cast<int32_t>(y) - qb.zero_point)) *
                      ratio;
      return round_saturate<Q>(v, qc.zero_point);
    });
    return;
  }
  const float ra = qa.scale / qc.scale, rb = qb.scale / qc.scale;
  binary_broadcast(a, as, b, bs, c, cs, [&](Q x, Q y) {
    const float v = static_cast<float>(static_cast<int32_t>(x) - qa.zero_point) * ra +
                    static_cast<float>(static_cast<int32_t>(y) - qb.zero_point) * rb;
    return round_saturate<Q>(v, qc.zero_point);
  });
}

// y = quantize(f(dequantize(x))) through a table of all 256 inputs.
template <class Q, class F>
void qlinear_lookup(const Q* x, int64_t n, QParams qx, QParams qy, F&& f, Q* y) {
  std::array<Q, 256> table{};
  constexpr int kLowest = std::numeric_limits<Q>::lowest();
  for (int i = 0; i < 256; ++i) {
    const auto q = static_cast<Q>(i + kLowest);
    table[static_cast<size_t>(i)] =
        quantize_value<Q>(f(dequantize_value(q, qx.scale, qx.zero_point)), qy.scale, qy.zero_point);
  }
  for (int64_t i = 0; i < n; ++i) y[i] = table[static_cast<size_t>(static_cast<int>(x[i]) - kLowest)];
}

// Re-expresses 8-bit values under other quantization parameters (QLinearConcat's inputs).
template <class Q>
void qlinear_requantize(const Q* x, int64_t n, QParams from, QParams to, Q* y) {
  qlinear_lookup(
      x, n, from, to, [](float v) { return v; }, y);
}

}  // namespace lacuna::kernels::ref
