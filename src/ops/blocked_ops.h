// Shared by the blocked-layout operators (reference and fast): the blocked shape of an NCHW
// shape, and the check that an input is the blocked form of a given channel count.
#pragma once

#include "ops/common.h"

namespace lacuna::ops {

Shape blocked_shape(const Shape& nchw, int64_t block);
Status check_blocked_input(const InferContext& ctx, int i, int64_t channels, int64_t block);

}  // namespace lacuna::ops
