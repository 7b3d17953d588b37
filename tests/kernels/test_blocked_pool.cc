// NCHWc max, average and global pooling against the reference pooling kernels (compared after
// reordering back to NCHW), at every ISA tier: ceil_mode, count_include_pad, asymmetric pads,
// strides 1 and 2, kernel sizes, dilations, channels that are not multiples of the block.
#include <gtest/gtest.h>

#include <tuple>

#include "blocked_test_util.h"
#include "kernels/dense/blocked_pool.h"
#include "kernels/ref/pool.h"

namespace lacuna::kernels {
namespace {

using namespace blocked_test;

struct PoolCase {
  int64_t n, c, h, w, kh, kw, stride, pad_t, pad_l, pad_b, pad_r, dil;
  bool ceil;
};

Conv2dShape pool_shape(const PoolCase& p) {
  Conv2dShape s;
  s.n = p.n; s.c = s.k = p.c; s.h = p.h; s.w = p.w; s.r = p.kh; s.s = p.kw;
  s.stride_h = s.stride_w = p.stride;
  s.pad_t = p.pad_t; s.pad_l = p.pad_l;
  s.dil_h = s.dil_w = p.dil;
  auto out = [&](int64_t in, int64_t k, int64_t p0, int64_t p1) {
    const int64_t span = in + p0 + p1 - p.dil * (k - 1) - 1;
    int64_t o = (p.ceil ? (span + p.stride - 1) / p.stride : span / p.stride) + 1;
    if (p.ceil && (o - 1) * p.stride >= in + p0) --o;  // the last window must start inside
    return o;
  };
  s.oh = out(p.h, p.kh, p.pad_t, p.pad_b);
  s.ow = out(p.w, p.kw, p.pad_l, p.pad_r);
  return s;
}

TEST(BlockedPool, MaxAndAverage) {
  const std::vector<PoolCase> cases = {
      {1, 64, 112, 112, 3, 3, 2, 1, 1, 1, 1, 1, false},  // ResNet stem max pool
      {2, 17, 13, 17, 3, 3, 1, 1, 1, 1, 1, 1, false},
      {1, 3, 15, 15, 2, 2, 2, 0, 0, 0, 0, 1, true},     // ceil_mode
      {1, 33, 10, 11, 3, 2, 3, 1, 0, 1, 1, 1, true},    // asymmetric, stride 3
      {1, 9, 12, 12, 3, 3, 1, 0, 0, 0, 0, 2, false},    // dilation
      {1, 20, 7, 7, 7, 7, 1, 0, 0, 0, 0, 1, false},     // 7x7 window
      {1, 16, 14, 14, 3, 3, 2, 0, 0, 1, 1, 1, false},   // end pads only
      {1, 8, 56, 56, 3, 3, 1, 1, 1, 1, 1, 1, false},    // stride 1, wide rows
      {1, 8, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, false},      // one pixel
  };
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    const BlockedKernels& k = select_blocked_kernels(cpu_info());
    uint32_t seed = 1;
    for (const PoolCase& pc : cases) {
      const Conv2dShape s = pool_shape(pc);
      const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w), seed++);
      const auto xb = to_blocked(k, x, s.n, s.c, s.h * s.w);
      ref::PoolParams p{s.n, s.c, {s.h, s.w}, {s.oh, s.ow}, {s.r, s.s}, {s.stride_h, s.stride_w},
                        {s.dil_h, s.dil_w}, {s.pad_t, s.pad_l}, {pc.pad_b, pc.pad_r}};
      const std::string what = std::string(k.name) + " " + describe(s);
      std::vector<float> yb(static_cast<size_t>(blocked_floats(s.n, s.c, s.oh, s.ow, k.block)), NAN);
      std::vector<float> want(static_cast<size_t>(s.n * s.c * s.oh * s.ow));
      ref::max_pool<float>(p, x.data(), want.data(), nullptr, false);
      blocked_pool2d(k, s, PoolMode::kMax, xb.data(), yb.data(), nullptr, 0, blocked_pool_items(s, k.block));
      expect_near(to_nchw(k, yb, s.n, s.c, s.oh * s.ow), want, 0, "max " + what);
      EXPECT_EQ(nonzero_padding(yb, s.n, s.c, s.oh * s.ow, k.block), 0) << what;
      if (pc.dil != 1) continue;
      for (bool include : {false, true}) {
        std::vector<float> inv(static_cast<size_t>(s.oh * s.ow));
        pool2d_inv_count(s, pc.pad_b, pc.pad_r, include, inv.data());
        ref::average_pool<float>(p, include, x.data(), want.data());
        const int64_t items = blocked_pool_items(s, k.block);
        blocked_pool2d(k, s, PoolMode::kAverage, xb.data(), yb.data(), inv.data(), 0, items / 2);
        blocked_pool2d(k, s, PoolMode::kAverage, xb.data(), yb.data(), inv.data(), items / 2, items);
        expect_near(to_nchw(k, yb, s.n, s.c, s.oh * s.ow), want, 1e-5,
                    "average " + what + (include ? " count_include_pad" : ""));
        EXPECT_EQ(nonzero_padding(yb, s.n, s.c, s.oh * s.ow, k.block), 0) << what;
      }
    }
  }
}

TEST(BlockedPool, Global) {
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    const BlockedKernels& k = select_blocked_kernels(cpu_info());
    const std::vector<std::tuple<int64_t, int64_t, int64_t>> cases = {{2, 17, 49}, {1, 2048, 1}, {1, 3, 5}, {1, 64, 3136}};
    for (auto [n, c, hw] : cases) {
      const auto x = random_vec(static_cast<size_t>(n * c * hw), static_cast<uint32_t>(c + hw));
      const auto xb = to_blocked(k, x, n, c, hw);
      const std::string what = std::string(k.name) + " c" + std::to_string(c) + " hw" + std::to_string(hw);
      std::vector<float> want(static_cast<size_t>(n * c));
      std::vector<float> yb(static_cast<size_t>(blocked_floats(n, c, 1, 1, k.block)), NAN);
      const int64_t items = n * channel_blocks(c, k.block);
      for (bool max : {true, false}) {
        ref::global_pool<float>(max ? ref::GlobalPool::kMax : ref::GlobalPool::kAverage, n * c, hw, 0.f, x.data(),
                                want.data());
        blocked_global_pool(k, max ? PoolMode::kMax : PoolMode::kAverage, xb.data(), yb.data(), hw, 0, items);
        expect_near(to_nchw(k, yb, n, c, 1), want, max ? 0 : 1e-5, (max ? "max " : "average ") + what);
        EXPECT_EQ(nonzero_padding(yb, n, c, 1, k.block), 0) << what;
      }
    }
  }
}

}  // namespace
}  // namespace lacuna::kernels
