// Per-dimension integers (strides, multi-indices) for the reference kernels' index arithmetic:
// inline up to 16 dimensions, so that run() does not allocate.
#pragma once

#include <cstdint>

#include "core/small_vector.h"

namespace lacuna::kernels::ref {

using DimVector = SmallVector<int64_t, 16>;

}  // namespace lacuna::kernels::ref
