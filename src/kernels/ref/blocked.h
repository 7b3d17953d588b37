// The channel-blocked layout: an NCHW tensor [N, C, H, W] stored as [N, ceil(C/B), H, W, B], channel
// c of a pixel at block c / B, lane c % B; lanes past C are zero. Plain reorders (the oracle for
// the vectorized ones).
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

inline int64_t channel_blocks(int64_t c, int64_t block) { return (c + block - 1) / block; }

// x [N, C, HW] -> y [N, ceil(C/B), HW, B], padding lanes zeroed.
inline void to_blocked(const float* x, float* y, int64_t n, int64_t c, int64_t hw, int64_t block) {
  const int64_t cb = channel_blocks(c, block);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t b = 0; b < cb; ++b) {
      float* yb = y + (i * cb + b) * hw * block;
      for (int64_t p = 0; p < hw; ++p) {
        for (int64_t l = 0; l < block; ++l) {
          const int64_t ch = b * block + l;
          yb[p * block + l] = ch < c ? x[(i * c + ch) * hw + p] : 0.f;
        }
      }
    }
  }
}

// y [N, C, HW] <- x [N, ceil(C/B), HW, B] (padding lanes dropped).
inline void from_blocked(const float* x, float* y, int64_t n, int64_t c, int64_t hw, int64_t block) {
  const int64_t cb = channel_blocks(c, block);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* xb = x + (i * cb + ch / block) * hw * block + ch % block;
      float* yc = y + (i * c + ch) * hw;
      for (int64_t p = 0; p < hw; ++p) yc[p] = xb[p * block];
    }
  }
}

}  // namespace lacuna::kernels::ref
