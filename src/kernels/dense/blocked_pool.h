// Max and average 2-D pooling and global pooling on channel-blocked tensors (see blocked.h).
#pragma once

#include <cstdint>

#include "kernels/dense/blocked.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/pool2d.h"

namespace lacuna::kernels {

// Pooling windows from `s` (kernel r x s, strides, pad_t/pad_l, dilations; oh/ow already include
// ceil_mode and the end pads; k is ignored). X is blocked [n, ceil(c/B), h, w, B], Y blocked
// [n, ceil(c/B), oh, ow, B]. Taps outside the input are skipped (max ignores them, averages add
// zeros); averages multiply by inv_count[oh * ow] (1 / divisor per output position, which
// encodes count_include_pad, as for pool2d). Work items are the n * ceil(c/B) channel blocks;
// a call does [begin, end).
int64_t blocked_pool_items(const Conv2dShape& s, int block);
void blocked_pool2d(const BlockedKernels& k, const Conv2dShape& s, PoolMode mode, const float* x, float* y,
                    const float* inv_count, int64_t begin, int64_t end);

// Global pooling of the channel blocks [begin, end) of a blocked [n, ceil(c/B), hw, B] tensor into
// a blocked [n, ceil(c/B), 1, 1, B] one (B floats per block).
void blocked_global_pool(const BlockedKernels& k, PoolMode mode, const float* x, float* y, int64_t hw,
                         int64_t begin, int64_t end);

}  // namespace lacuna::kernels
