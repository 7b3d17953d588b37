// Reference integer convolution over N spatial dims: im2col (padding with the input zero point,
// so padded taps contribute nothing) followed by the integer GEMM, int32 results.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/dim_vector.h"
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
  DimVector k(nd), o(nd);
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

// Output positions go in blocks of this many, so that the im2col buffer stays small whatever the
// image size.
inline constexpr int64_t kConvIntegerBlock = 256;

// Bytes of workspace conv_integer needs for elements of `x_bytes` bytes: the im2col block and a
// row of input zero points.
inline size_t conv_integer_workspace_bytes(const ConvShape& s, size_t x_bytes) {
  const int64_t rows = s.in_channels / s.group * ConvShape::volume(s.kernel);
  const int64_t cols = std::min(kConvIntegerBlock, ConvShape::volume(s.out_size));
  const size_t col = (static_cast<size_t>(rows * cols) * x_bytes + 63) / 64 * 64;
  return col + static_cast<size_t>(kConvIntegerBlock) * sizeof(int32_t);
}

// y = conv(x - x_zp, w - w_zp[m]) in int32; w_zp has out_channels entries. `workspace` holds
// conv_integer_workspace_bytes(s, sizeof(TX)) bytes, 4-byte aligned.
template <class TX, class TW>
void conv_integer(const TX* x, int32_t x_zp, const TW* w, const int32_t* w_zp, const ConvShape& s,
                  int32_t* y, void* workspace) {
  constexpr int64_t kBlock = kConvIntegerBlock;
  const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  const int64_t osize = ConvShape::volume(s.out_size), isize = ConvShape::volume(s.in_size);
  const int64_t rows = cg * ConvShape::volume(s.kernel);
  TX* col = static_cast<TX*>(workspace);
  const size_t col_bytes = (static_cast<size_t>(rows * std::min(kBlock, osize)) * sizeof(TX) + 63) / 64 * 64;
  int32_t* col_zp = reinterpret_cast<int32_t*>(static_cast<char*>(workspace) + col_bytes);
  std::fill_n(col_zp, kBlock, x_zp);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      for (int64_t p = 0; p < osize; p += kBlock) {
        const int64_t count = std::min(kBlock, osize - p);
        im2col(x + (n * s.in_channels + g * cg) * isize, cg, s, p, count, static_cast<TX>(x_zp), col);
        qgemm_s32(mg, count, rows, w + g * mg * rows, rows, w_zp + g * mg, col, count, col_zp,
                  y + (n * s.out_channels + g * mg) * osize + p, osize);
      }
    }
  }
}

}  // namespace lacuna::kernels::ref
