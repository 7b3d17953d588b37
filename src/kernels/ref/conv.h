// Reference N-D convolution and transposed convolution (NCHW-style layouts, groups, strides,
// dilations, padding), computed per group as im2col (or col2im) around the reference GEMM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

// Geometry of a convolution from X (batch, in_channels, in_spatial...) to
// Y (batch, out_channels, out_spatial...). For the transposed convolution the same fields
// describe the forward convolution it is the adjoint of, read in the other direction:
// X has in_spatial and Y has out_spatial, with y_pos = x_pos * stride - pad_begin + k * dilation.
struct ConvParams {
  int64_t batch = 1;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
  std::vector<int64_t> in_spatial, out_spatial, kernel, strides, dilations, pads_begin;
};

// Elements of scratch memory conv_forward needs (0 when it reads the input in place).
size_t conv_workspace_elems(const ConvParams& p);
// W is (out_channels, in_channels / groups, kernel...); bias (out_channels) may be null.
template <class T>
void conv_forward(const ConvParams& p, const T* x, const T* w, const T* bias, T* y, T* workspace);

size_t conv_transpose_workspace_elems(const ConvParams& p);
// W is (in_channels, out_channels / groups, kernel...); bias (out_channels) may be null.
template <class T>
void conv_transpose_forward(const ConvParams& p, const T* x, const T* w, const T* bias, T* y,
                            T* workspace);

}  // namespace lacuna::kernels::ref
