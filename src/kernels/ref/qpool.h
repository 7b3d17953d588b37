// Reference quantized average pooling (windowed and global), NCHW or channels-last, over any number
// of spatial dims. Sums are exact int32; the average is requantized in float.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/dim_vector.h"
#include "kernels/ref/qlinear.h"
#include "kernels/ref/quantize.h"

namespace lacuna::kernels::ref {

struct PoolShape {
  int64_t batch = 1, channels = 1;
  bool channels_last = false;
  bool count_include_pad = false;
  std::vector<int64_t> in_size, kernel, out_size, strides, pads_begin, pads_end;
};

namespace detail {
inline int64_t volume(const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= d;
  return p;
}
}  // namespace detail

// Global average: y[n, c] = requantize(sum(x[n, c, :]) - x_zp * S) with the multiplier
// x_scale / (y_scale * S), S = spatial size. x is [N, C, S] or, channels_last, [N, S, C].
template <class Q>
void qlinear_global_avg_pool(const Q* x, int64_t batch, int64_t channels, int64_t spatial, bool channels_last,
                             QParams qx, QParams qy, Q* y) {
  const float mult = qx.scale / (qy.scale * static_cast<float>(spatial));
  const int64_t cs = channels_last ? 1 : spatial, ss = channels_last ? channels : 1;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const Q* p = x + n * channels * spatial + c * cs;
      int64_t sum = 0;
      for (int64_t s = 0; s < spatial; ++s) sum += static_cast<int32_t>(p[s * ss]) - qx.zero_point;
      y[n * channels + c] = requantize_value<Q>(static_cast<int32_t>(sum), mult, qy.zero_point);
    }
  }
}

// Windowed average: the divisor counts the window's taps inside the input, or (count_include_pad)
// inside the padded input. y is [N, C, out...] or, channels_last, [N, out..., C].
template <class Q>
void qlinear_avg_pool(const Q* x, const PoolShape& s, QParams qx, QParams qy, Q* y) {
  const size_t nd = s.in_size.size();
  const int64_t isize = detail::volume(s.in_size), osize = detail::volume(s.out_size);
  const int64_t ksize = detail::volume(s.kernel);
  const int64_t cs_in = s.channels_last ? 1 : isize, ss_in = s.channels_last ? s.channels : 1;
  const int64_t cs_out = s.channels_last ? 1 : osize, ss_out = s.channels_last ? s.channels : 1;
  DimVector o(nd), k(nd);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t c = 0; c < s.channels; ++c) {
      const Q* xc = x + n * s.channels * isize + c * cs_in;
      Q* yc = y + n * s.channels * osize + c * cs_out;
      std::fill(o.begin(), o.end(), 0);
      for (int64_t p = 0; p < osize; ++p) {
        int64_t sum = 0, inside = 0, padded = 0;
        for (int64_t kk = 0; kk < ksize; ++kk) {
          for (size_t d = nd, rem = static_cast<size_t>(kk); d-- > 0;) {
            k[d] = static_cast<int64_t>(rem % static_cast<size_t>(s.kernel[d]));
            rem /= static_cast<size_t>(s.kernel[d]);
          }
          bool in = true, in_padded = true;
          int64_t off = 0;
          for (size_t d = 0; d < nd; ++d) {
            const int64_t i = o[d] * s.strides[d] - s.pads_begin[d] + k[d];
            in = in && i >= 0 && i < s.in_size[d];
            in_padded = in_padded && i < s.in_size[d] + s.pads_end[d];
            off = off * s.in_size[d] + i;
          }
          padded += in_padded ? 1 : 0;
          if (!in) continue;
          ++inside;
          sum += static_cast<int32_t>(xc[off * ss_in]) - qx.zero_point;
        }
        const int64_t count = s.count_include_pad ? padded : inside;
        const float avg = count == 0 ? 0.f : static_cast<float>(sum) / static_cast<float>(count);
        yc[p * ss_out] = round_saturate<Q>(avg * qx.scale / qy.scale, qy.zero_point);
        for (size_t d = nd; d-- > 0;) {
          if (++o[d] < s.out_size[d]) break;
          o[d] = 0;
        }
      }
    }
  }
}

}  // namespace lacuna::kernels::ref
