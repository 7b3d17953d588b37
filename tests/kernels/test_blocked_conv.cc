// The NCHWc convolution against the reference convolution (compared after reordering back to
// NCHW), at every ISA tier: channels that are not multiples of the block, row widths that leave
// tile remainders, strides, pads, dilations, kernel sizes, blocked and plain inputs, the fused
// epilogue (bias, residual, every activation), several threads; and the reorders.
#include <gtest/gtest.h>

#include <cstdlib>

#include "blocked_test_util.h"
#include "kernels/dense/blocked_conv2d.h"

namespace lacuna::kernels {
namespace {

using namespace blocked_test;

struct Variant {
  bool bias, residual;
  ActCase act;
};

void check_conv(const Conv2dShape& s, bool plain, const std::vector<Variant>& variants, uint32_t seed,
                const CpuInfo& cpu = cpu_info()) {
  const BlockedKernels& k = select_blocked_kernels(cpu_info());
  const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w), seed);
  const auto w = random_vec(static_cast<size_t>(s.k * s.c * s.r * s.s), seed + 1);
  const auto bias = random_vec(static_cast<size_t>(s.k), seed + 2);
  const auto res = random_vec(static_cast<size_t>(s.n * s.k * s.oh * s.ow), seed + 3);
  const auto xb = plain ? x : to_blocked(k, x, s.n, s.c, s.h * s.w);
  const auto resb = to_blocked(k, res, s.n, s.k, s.oh * s.ow);
  BlockedConv2d conv(cpu, s, w.data(), plain);
  for (const Variant& v : variants) {
    Epilogue ep;
    ep.row_bias = v.bias ? bias.data() : nullptr;
    ep.residual = v.residual ? resb.data() : nullptr;
    ep.act = v.act.act;
    ep.alpha = v.act.alpha;
    ep.beta = v.act.beta;
    const auto want = reference_conv(s, x, w, v.bias ? bias.data() : nullptr, v.residual ? res.data() : nullptr, ep);
    for (int threads : {1, 2, 3}) {
      std::vector<float> yb(static_cast<size_t>(blocked_floats(s.n, s.k, s.oh, s.ow, k.block)), NAN);
      const int64_t items = conv.work_items(threads);
      for (int t = 0; t < threads; ++t) {
        std::vector<float> scratch(static_cast<size_t>(conv.scratch_floats()), NAN);
        conv.run(xb.data(), yb.data(), ep, items * t / threads, items * (t + 1) / threads, threads, scratch.data());
      }
      const std::string what = std::string(k.name) + (plain ? " plain " : " ") + describe(s) + " " +
                               conv.describe() + " act " + activation_name(ep.act) + (v.bias ? " bias" : "") +
                               (v.residual ? " residual" : "") + " threads " + std::to_string(threads);
      expect_near(to_nchw(k, yb, s.n, s.k, s.oh * s.ow), want, 2e-5 * std::sqrt(s.c * s.r * s.s) + 1e-5, what);
      EXPECT_EQ(nonzero_padding(yb, s.n, s.k, s.oh * s.ow, k.block), 0) << what;
    }
  }
}

TEST(BlockedConv, MatchesReference) {
  const std::vector<Conv2dShape> shapes = {
      conv_shape(1, 3, 20, 22, 16, 7, 7, 2, 3),    // stem-like, 7x7 stride 2 pad 3
      conv_shape(2, 17, 14, 14, 33, 3, 3, 1, 1),   // ow 14, batch 2, ragged blocks
      conv_shape(1, 33, 13, 13, 17, 3, 3, 1, 1),   // ow 13
      conv_shape(1, 17, 15, 15, 40, 3, 3, 1, 1),   // ow 15
      conv_shape(1, 16, 7, 7, 64, 3, 3, 1, 1),     // ow 7
      conv_shape(1, 33, 56, 56, 24, 1, 1, 1, 0),   // pointwise, ow 56 (flat)
      conv_shape(1, 17, 56, 56, 20, 3, 3, 1, 1),   // ow 56
      conv_shape(2, 17, 28, 28, 33, 1, 1, 2, 0),   // pointwise stride 2
      conv_shape(1, 8, 1, 1, 20, 1, 1, 1, 0),      // ow 1
      conv_shape(1, 5, 1, 1, 9, 3, 3, 1, 1),       // ow 1, only the centre tap
      conv_shape(1, 5, 3, 3, 9, 3, 3, 1, 1),       // ow 3
      conv_shape(1, 17, 29, 29, 20, 5, 5, 2, 2),   // 5x5 stride 2, ow 15
      conv_shape(1, 16, 12, 12, 16, 3, 3, 1, 2, 2),  // dilation 2
      conv_shape(1, 3, 9, 9, 16, 3, 3, 2, 0),      // stride 2, no padding
      conv_shape(1, 16, 56, 56, 32, 3, 3, 2, 1),   // 3x3 stride 2, ow 28
      conv_shape(1, 9, 7, 7, 8, 7, 7, 1, 3),       // 7x7 on 7x7: every tile a border tile
      conv_shape(1, 16, 2, 2, 16, 3, 3, 1, 3),     // rows and columns with no tap inside
      conv_shape(1, 4, 10, 8, 5, 3, 1, 1, 1),      // 3x1 kernel
      conv_shape(1, 40, 14, 14, 48, 3, 3, 1, 1),   // several input blocks
  };
  Conv2dShape asym = conv_shape(1, 6, 11, 12, 10, 3, 3, 1, 1);
  asym.stride_h = 2;
  asym.pad_t = 0;
  asym.oh = (asym.h - 3) / 2 + 1;
  const std::vector<Variant> variants = {
      {false, false, {Activation::kNone, 0.f, 0.f}},
      {true, true, {Activation::kRelu, 0.f, 0.f}},
      {true, false, {Activation::kSigmoid, 0.f, 0.f}},
  };
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    uint32_t seed = 1;
    for (const Conv2dShape& s : shapes) {
      check_conv(s, false, variants, seed);
      check_conv(s, true, variants, seed);
      seed += 10;
    }
    check_conv(asym, false, variants, seed);
    check_conv(asym, true, variants, seed);
  }
}

TEST(BlockedConv, EveryActivation) {
  std::vector<Variant> variants;
  for (const ActCase& a : all_activations()) {
    variants.push_back({true, true, a});
    variants.push_back({false, false, a});
  }
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    check_conv(conv_shape(1, 17, 13, 13, 33, 3, 3, 1, 1), false, variants, 101);
    check_conv(conv_shape(1, 3, 16, 16, 20, 3, 3, 2, 1), true, variants, 111);
  }
}

TEST(BlockedConv, ChunkOrders) {
  // A small L2 splits the weights into several chunks: batches then run chunk-major (7x7 planes:
  // little input per image) or image-major (28x28: each image's input outweighs the weights),
  // with the weight prefetches of both orders.
  const std::vector<Variant> variants = {{true, true, {Activation::kRelu, 0.f, 0.f}}};
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    CpuInfo small = cpu_info();
    small.l2_bytes = 4 * 1024;  // every tile group a chunk of its own
    struct Case {
      Conv2dShape s;
      bool image_major;
    };
    for (const Case& c : {Case{conv_shape(2, 33, 28, 28, 100, 3, 3, 1, 1), true},
                          Case{conv_shape(3, 33, 7, 7, 100, 3, 3, 1, 1), false},
                          Case{conv_shape(2, 40, 28, 28, 100, 1, 1, 1, 0), true}}) {
      std::vector<float> w(static_cast<size_t>(c.s.k * c.s.c * c.s.r * c.s.s), 0.5f);
      const std::string d = BlockedConv2d(small, c.s, w.data()).describe();
      EXPECT_EQ(d.find("chunks=1 "), std::string::npos) << d;
      EXPECT_EQ(d.find("image-major") != std::string::npos, c.image_major) << d;
      check_conv(c.s, false, variants, 201, small);
    }
  }
}

TEST(BlockedConv, KBlockedSmallPlanes) {
  // Batch-1 convolutions on small planes run a few input blocks at a time over all pixel tiles
  // (partial sums wait in Y): ragged input and output blocks, 3x3 (border strips per block), 1x1
  // flat, stride 2, non-clamp activations applied after the last block, and a residual stored in
  // Y itself (which must fall back to the one-pass order).
  const std::vector<Variant> variants = {
      {false, false, {Activation::kNone, 0.f, 0.f}},
      {true, true, {Activation::kRelu, 0.f, 0.f}},
      {true, true, {Activation::kSigmoid, 0.f, 0.f}},
  };
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    const BlockedKernels& k = select_blocked_kernels(cpu_info());
    uint32_t seed = 301;
    for (const Conv2dShape& s : {conv_shape(1, 70, 7, 7, 100, 3, 3, 1, 1), conv_shape(1, 200, 7, 7, 40, 1, 1, 1, 0),
                                 conv_shape(1, 96, 14, 14, 33, 3, 3, 2, 1), conv_shape(1, 48, 14, 14, 20, 3, 3, 1, 1)}) {
      std::vector<float> w(static_cast<size_t>(s.k * s.c * s.r * s.s), 0.5f);
      const std::string d = BlockedConv2d(cpu_info(), s, w.data()).describe();
      if (k.block == 16) EXPECT_NE(d.find("kblock="), std::string::npos) << d;
      check_conv(s, false, variants, seed);
      seed += 10;
    }
    // Residual in place: Y holds the residual when the convolution runs.
    const Conv2dShape s = conv_shape(1, 70, 7, 7, 100, 3, 3, 1, 1);
    const auto x = random_vec(static_cast<size_t>(s.c * s.h * s.w), 41);
    const auto w = random_vec(static_cast<size_t>(s.k * s.c * s.r * s.s), 42);
    const auto res = random_vec(static_cast<size_t>(s.k * s.oh * s.ow), 43);
    BlockedConv2d conv(cpu_info(), s, w.data());
    Epilogue ep;
    ep.act = Activation::kRelu;
    auto yb = to_blocked(k, res, 1, s.k, s.oh * s.ow);
    ep.residual = yb.data();
    std::vector<float> scratch(static_cast<size_t>(conv.scratch_floats()));
    conv.run(to_blocked(k, x, 1, s.c, s.h * s.w).data(), yb.data(), ep, 0, conv.work_items(1), 1, scratch.data());
    const auto want = reference_conv(s, x, w, nullptr, res.data(), ep);
    expect_near(to_nchw(k, yb, 1, s.k, s.oh * s.ow), want, 2e-5 * std::sqrt(s.c * 9.0) + 1e-5,
                std::string(k.name) + " residual in place " + conv.describe());
  }
}

TEST(BlockedConv, EveryTileShape) {
  // Forces each tile shape the tier has through the debugging switch on a shape with remainders.
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    const BlockedKernels& k = select_blocked_kernels(cpu_info());
    for (int ob = 1; ob <= k.max_ob; ++ob) {
      for (int p = 1; p * ob <= k.max_acc; ++p) {
        const std::string tile = std::to_string(p) + "x" + std::to_string(ob);
        setenv("LACUNA_NCHWC_TILE", tile.c_str(), 1);
        check_conv(conv_shape(1, 9, 6, 31, 5 * k.block + 3, 3, 3, 1, 1), false, {{true, true, {Activation::kRelu, 0.f, 0.f}}}, 7);
        check_conv(conv_shape(1, 3, 9, 30, 2 * k.block + 1, 3, 3, 2, 1), true, {{true, false, {Activation::kNone, 0.f, 0.f}}}, 8);
        unsetenv("LACUNA_NCHWC_TILE");
      }
    }
  }
}

TEST(BlockedReorder, RoundTrips) {
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    const BlockedKernels& k = select_blocked_kernels(cpu_info());
    for (int64_t c : {1, 3, 8, 16, 17, 33}) {
      for (int64_t hw : {1, 7, 15, 16, 49, 100}) {
        const int64_t n = 2;
        const auto x = random_vec(static_cast<size_t>(n * c * hw), static_cast<uint32_t>(c * 100 + hw));
        const auto xb = to_blocked(k, x, n, c, hw);
        const std::string what = std::string(k.name) + " c" + std::to_string(c) + " hw" + std::to_string(hw);
        // Element (img, ch, p) sits at [img][ch / B][p][ch % B].
        int bad = 0;
        const int64_t cb = channel_blocks(c, k.block);
        for (int64_t img = 0; img < n; ++img) {
          for (int64_t ch = 0; ch < c; ++ch) {
            for (int64_t p = 0; p < hw; ++p) {
              bad += xb[static_cast<size_t>(((img * cb + ch / k.block) * hw + p) * k.block + ch % k.block)] !=
                     x[static_cast<size_t>((img * c + ch) * hw + p)];
            }
          }
        }
        EXPECT_EQ(bad, 0) << what;
        EXPECT_EQ(nonzero_padding(xb, n, c, hw, k.block), 0) << what;
        EXPECT_EQ(to_nchw(k, xb, n, c, hw), x) << what;
      }
    }
  }
}

}  // namespace
}  // namespace lacuna::kernels
