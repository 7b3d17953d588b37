// A zero- (or -inf-) padded copy of one input plane, so that sliding-window kernels (depthwise
// convolution, pooling) read every tap without bounds checks; vector loads may run up to two
// vectors past the last output column.
#pragma once

#include <cstdint>

#include "kernels/dense/conv2d.h"

namespace lacuna::kernels {

struct PaddedPlane {
  int64_t hp, wp, size;
  explicit PaddedPlane(const Conv2dShape& s);
  // Copies plane `src` (h x w) into `dst` (size floats) with `pad` around it.
  void fill(const Conv2dShape& s, const float* src, float* dst, float pad) const;
};

}  // namespace lacuna::kernels
