// The input layout shared by the dense and sparse convolutions for strides 1 and 2: X copied into
// zero-padded planes -- for stride 2 split into the "phase" planes of even/odd rows and columns --
// with the output computed on a virtual grid as wide as such a plane. Every kernel tap then reads
// a contiguous run of input at a fixed offset from the output position; the few junk columns of
// the virtual grid are dropped when results are written to Y.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/dense/conv2d.h"
#include "kernels/dense/gemm.h"

namespace lacuna::kernels {

class ConvInputLayout {
 public:
  ConvInputLayout() = default;
  // `slack` is how many floats a kernel may read past the end of a plane (a vector tile).
  ConvInputLayout(const Conv2dShape& s, int64_t slack);
  static bool supports(const Conv2dShape& s) { return s.stride_h == s.stride_w && s.stride_h <= 2; }

  int64_t grid_pixels() const { return s_.oh * wq_; }  // virtual pixels per image
  int64_t grid_width() const { return wq_; }
  int64_t channel_stride() const { return channel_stride_; }  // floats per padded channel
  int64_t padded_floats() const { return s_.n * s_.c * channel_stride_; }
  // Offset (floats) of tap t = r * S + s from a virtual pixel's position in its channel.
  const std::vector<int64_t>& tap_offsets() const { return tap_offsets_; }
  // Fills the padded planes of channels [plane_begin, plane_end) of the n*c input planes.
  void pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const;
  // Writes one output channel's virtual-grid results [v0, v1) (from `src`, indexed from v0) to
  // Y's plane `y` with the epilogue: bias, the residual plane (or null) and the activation.
  void write_output(const GemmKernel& k, const float* src, int64_t v0, int64_t v1, float* y, float bias,
                    const float* residual, const Epilogue& ep) const;

 private:
  Conv2dShape s_;
  int64_t hq_ = 0, wq_ = 0, plane_ = 0, phases_ = 1, channel_stride_ = 0;
  std::vector<int64_t> phase_of_;  // compact phase index per (row phase * stride + col phase), or -1
  std::vector<int64_t> tap_offsets_;
};

}  // namespace lacuna::kernels
