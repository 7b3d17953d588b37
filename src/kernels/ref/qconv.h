// Reference integer convolution over N spatial dims: im2col (padding with the input zero point,
// so padded taps contribute nothing) followed by the integer GEMM, int32 results.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/qgemm.h"

namespace lacuna::kernels::ref {

// Convolution geometry. x is [batch, in_channels, in_size...], w is
// [out_channels, in_channels / group, kernel...], y is [batch, out_channels, out_size...].
struct ConvShape {
  int64_t batch = 1, in_channels = 1, out_channels = 1, group = 1;
  std::vector<int64_t> in_size, kernel, out_size, strides, dilations, pads_begin;

  static int64_t volume(const std::vector<int64_t>& dims) {
    int64_t p = 1;
    for (int64_t d : dims) p *= d;
    return p;
  }
};

// col[(c * K + k) * count + j] for c < channels, k < prod(kernel), j < count: the input value under
// kernel tap k at output position first + j (row-major over out_size), or `pad` outside the input.
template <class T>
void im2col(const T* x, int64_t channels, const ConvShape& s, int64_t first, int64_t count, T pad, T* col) {
  const size_t nd = s.in_size.size();
  const int64_t ksize = ConvShape::volume(s.kernel);
  const int64_t isize = ConvShape::volume(s.in_size);
  std::vector<int64_t> k(nd), o(nd);
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * isize;
    for (int64_t kk = 0; kk < ksize; ++kk) {
      for (size_t d = nd, rem = static_cast<size_t>(kk); d-- > 0;) {
        k[d] = static_cast<int64_t>(rem % static_cast<size_t>(s.kernel[d]));
        rem /= static_cast<size_t>(s.kernel[d]);
      }
      for (size_t d = nd, rem = static_cast<size_t>(first); d-- > 0;) {
        o[d] = static_cast<int64_t>(rem % static_cast<size_t>(s.out_size[d]));
        rem /= static_cast<size_t>(s.out_size[d]);
      }
      T* row = col + (c * ksize + kk) * count;
      for (int64_t j = 0; j < count; ++j) {
        int64_t off = 0;
        bool inside = true;
        for (size_t d = 0; d < nd; ++d) {
          const int64_t i = o[d] * s.strides[d] - s.pads_begin[d] + k[d] * s.dilations[d];
          inside = inside && i >= 0 && i < s.in_size[d];
          off = off * s.in_size[d] + i;
        }
        row[j] = inside ? xc[off] : pad;
        for (size_t d = nd; d-- > 0;) {  // next output position
          if (++o[d] < s.out_size[d]) break;
          o[d] = 0;
        }
      }
    }
  }
}

// y = conv(x - x_zp, w - w_zp[m]) in int32; w_zp has out_channels entries. Output positions go in
// blocks so that the im2col buffer stays small whatever the image size.
template <class TX, class TW>
void conv_integer(const TX* x, int32_t x_zp, const TW* w, const int32_t* w_zp, const ConvShape& s,
                  int32_t* y) {
  constexpr int64_t kBlock = 256;
  const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  const int64_t osize = ConvShape::volume(s.out_size), isize = ConvShape::volume(s.in_size);
  const int64_t rows = cg * ConvShape::volume(s.kernel);
  std::vector<TX> col(static_cast<size_t>(rows * std::min(kBlock, osize)));
  const std::vector<int32_t> col_zp(static_cast<size_t>(kBlock), x_zp);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      for (int64_t p = 0; p < osize; p += kBlock) {
        const int64_t count = std::min(kBlock, osize - p);
        im2col(x + (n * s.in_channels + g * cg) * isize, cg, s, p, count, static_cast<TX>(x_zp), col.data());
        qgemm_s32(mg, count, rows, w + g * mg * rows, rows, w_zp + g * mg, col.data(), count, col_zp.data(),
                  y + (n * s.out_channels + g * mg) * osize + p, osize);
      }
    }
  }
}

}  // namespace lacuna::kernels::ref
