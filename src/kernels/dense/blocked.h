// Channel-blocked ("NCHWc") tensors and the reorders to and from NCHW. The blocked form of an
// NCHW tensor [N, C, H, W] is a float array [N, ceil(C/B), H, W, B] whose padded channels
// (C..ceil(C/B)*B) are zero; B is blocked_channels(cpu): 16 with AVX-512, 8 with AVX2 and the
// scalar tier. The blocked convolution, depthwise and pooling kernels (blocked_conv2d.h,
// blocked_depthwise.h, blocked_pool.h) read and write this layout.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/dense/blocked_ukernels.h"

namespace lacuna::kernels {

// Channels per block for the kernels dispatched on `cpu` (after the LACUNA_MAX_ISA cap).
int blocked_channels(const CpuInfo& cpu);
// The micro-kernels for `cpu`: AVX-512 (B = 16), AVX2 (B = 8) or scalar (B = 8).
const BlockedKernels& select_blocked_kernels(const CpuInfo& cpu);

inline int64_t channel_blocks(int64_t channels, int block) { return (channels + block - 1) / block; }
// Floats of the blocked form of an [n, c, h, w] tensor.
inline int64_t blocked_floats(int64_t n, int64_t c, int64_t h, int64_t w, int block) {
  return n * channel_blocks(c, block) * h * w * block;
}

// Reorders between NCHW `x` [n, c, h*w] and blocked `xb` [n, ceil(c/B), h*w, B] (B = k.block).
// Work items are the (image, channel block) pairs, n * ceil(c/B) of them; a call does items
// [begin, end), so threads can split the range. nchw_to_blocked zeroes the padded channels.
void nchw_to_blocked(const BlockedKernels& k, const float* x, float* xb, int64_t c, int64_t hw, int64_t begin,
                     int64_t end);
void blocked_to_nchw(const BlockedKernels& k, const float* xb, float* x, int64_t c, int64_t hw, int64_t begin,
                     int64_t end);

}  // namespace lacuna::kernels
