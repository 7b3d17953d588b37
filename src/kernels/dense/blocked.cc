// NCHWc dispatch and the reorder drivers.
#include "kernels/dense/blocked.h"

#include <algorithm>

namespace lacuna::kernels {

const BlockedKernels& select_blocked_kernels(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kBlockedAvx512;
  if (cpu.has(Isa::kAvx2)) return kBlockedAvx2;
  return kBlockedScalar;
}

int blocked_channels(const CpuInfo& cpu) { return select_blocked_kernels(cpu).block; }

void nchw_to_blocked(const BlockedKernels& k, const float* x, float* xb, int64_t c, int64_t hw, int64_t begin,
                     int64_t end) {
  const int64_t cb = channel_blocks(c, k.block);
  for (int64_t item = begin; item < end; ++item) {
    const int64_t img = item / cb, blk = item % cb;
    const int64_t c0 = blk * k.block;
    k.to_blocked(x + (img * c + c0) * hw, hw, std::min<int64_t>(k.block, c - c0), hw, xb + item * hw * k.block);
  }
}

void blocked_to_nchw(const BlockedKernels& k, const float* xb, float* x, int64_t c, int64_t hw, int64_t begin,
                     int64_t end) {
  const int64_t cb = channel_blocks(c, k.block);
  for (int64_t item = begin; item < end; ++item) {
    const int64_t img = item / cb, blk = item % cb;
    const int64_t c0 = blk * k.block;
    k.from_blocked(xb + item * hw * k.block, std::min<int64_t>(k.block, c - c0), hw, x + (img * c + c0) * hw, hw);
  }
}

}  // namespace lacuna::kernels
