// Depthwise 2-D convolution (groups == channels == output channels) on channel-blocked tensors
// (see blocked.h): per channel block, one vector of B channels per output pixel, the kernel
// row's weights in registers and each input vector loaded once per run of output pixels.
#pragma once

#include <cstdint>
#include <memory>

#include "core/cpu.h"
#include "kernels/dense/blocked.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

// Create once per layer (packs the weights), then run() the work items [0, work_items(threads))
// over threads, each with scratch_floats() floats of scratch. X is blocked [n, ceil(c/B), h, w, B]
// and Y blocked [n, ceil(c/B), oh, ow, B]. Any kernel size, stride, padding and dilation works;
// 3x3 and 5x5 at strides 1 and 2 have unrolled interiors. Taps outside the input are skipped,
// so no padded copy is made.
class BlockedDepthwise2d {
 public:
  // `weights` is [c, 1, r, s].
  BlockedDepthwise2d(const CpuInfo& cpu, const Conv2dShape& shape, const float* weights);
  static bool supports(const Conv2dShape& s) { return s.groups == s.c && s.k == s.c; }

  int block() const { return k_.block; }
  // Work items: (image, channel block, range of output rows).
  int64_t work_items(int threads) const;
  int64_t scratch_floats() const;
  // The epilogue's row_bias is per channel (c floats, or null), its residual a blocked tensor
  // shaped like Y (or null); ep.bias and ep.scale are not used.
  void run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, int threads,
           float* scratch) const;

 private:
  int64_t row_splits(int threads) const;

  const BlockedKernels& k_;
  Conv2dShape s_;
  int64_t blocks_;
  std::shared_ptr<float> weights_;  // [block][r * s][B]
};

}  // namespace lacuna::kernels
