// The NCHWc pooling drivers.
#include "kernels/dense/blocked_pool.h"

namespace lacuna::kernels {

int64_t blocked_pool_items(const Conv2dShape& s, int block) { return s.n * channel_blocks(s.c, block); }

void blocked_pool2d(const BlockedKernels& k, const Conv2dShape& s, PoolMode mode, const float* x, float* y,
                    const float* inv_count, int64_t begin, int64_t end) {
  const int B = k.block;
  const int64_t in_plane = s.h * s.w * B, out_plane = s.oh * s.ow * B;
  PoolRowArgs a;
  a.s = &s;
  a.max = mode == PoolMode::kMax;
  for (int64_t plane = begin; plane < end; ++plane) {
    a.x = x + plane * in_plane;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      a.oh = oh;
      a.y = y + plane * out_plane + oh * s.ow * B;
      a.inv_count = inv_count ? inv_count + oh * s.ow : nullptr;
      k.pool_row(a);
    }
  }
}

void blocked_global_pool(const BlockedKernels& k, PoolMode mode, const float* x, float* y, int64_t hw,
                         int64_t begin, int64_t end) {
  for (int64_t plane = begin; plane < end; ++plane) {
    k.global_pool(mode == PoolMode::kMax, x + plane * hw * k.block, y + plane * k.block, hw);
  }
}

}  // namespace lacuna::kernels
