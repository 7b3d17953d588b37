// The NCHWc depthwise convolution against the reference convolution (groups == channels), at
// every ISA tier, over channels that are not multiples of the block, row widths, kernel sizes,
// strides, pads and dilations, with the fused epilogue and several threads.
#include <gtest/gtest.h>

#include "blocked_test_util.h"
#include "kernels/dense/blocked_depthwise.h"

namespace lacuna::kernels {
namespace {

using namespace blocked_test;

void check_depthwise(const Conv2dShape& s, const std::vector<ActCase>& acts, uint32_t seed) {
  const BlockedKernels& k = select_blocked_kernels(cpu_info());
  const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w), seed);
  const auto w = random_vec(static_cast<size_t>(s.c * s.r * s.s), seed + 1);
  const auto bias = random_vec(static_cast<size_t>(s.c), seed + 2);
  const auto res = random_vec(static_cast<size_t>(s.n * s.c * s.oh * s.ow), seed + 3);
  const auto xb = to_blocked(k, x, s.n, s.c, s.h * s.w);
  const auto resb = to_blocked(k, res, s.n, s.c, s.oh * s.ow);
  BlockedDepthwise2d dw(cpu_info(), s, w.data());
  for (const ActCase& act : acts) {
    for (bool with : {false, true}) {
      Epilogue ep;
      ep.row_bias = with ? bias.data() : nullptr;
      ep.residual = with ? resb.data() : nullptr;
      ep.act = act.act;
      ep.alpha = act.alpha;
      ep.beta = act.beta;
      const auto want = reference_conv(s, x, w, with ? bias.data() : nullptr, with ? res.data() : nullptr, ep);
      for (int threads : {1, 3}) {
        std::vector<float> yb(static_cast<size_t>(blocked_floats(s.n, s.c, s.oh, s.ow, k.block)), NAN);
        const int64_t items = dw.work_items(threads);
        for (int t = 0; t < threads; ++t) {
          std::vector<float> scratch(static_cast<size_t>(dw.scratch_floats()), NAN);
          dw.run(xb.data(), yb.data(), ep, items * t / threads, items * (t + 1) / threads, threads, scratch.data());
        }
        const std::string what = std::string(k.name) + " " + describe(s) + " act " + activation_name(ep.act) +
                                 (with ? " bias+residual" : "") + " threads " + std::to_string(threads);
        expect_near(to_nchw(k, yb, s.n, s.c, s.oh * s.ow), want, 1e-5, what);
        EXPECT_EQ(nonzero_padding(yb, s.n, s.c, s.oh * s.ow, k.block), 0) << what;
      }
    }
  }
}

Conv2dShape dw_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t r, int64_t stride, int64_t pad,
                     int64_t dil = 1) {
  return conv_shape(n, c, h, w, c, r, r, stride, pad, dil, c);
}

TEST(BlockedDepthwise, MatchesReference) {
  const std::vector<Conv2dShape> shapes = {
      dw_shape(1, 32, 56, 56, 3, 1, 1),   // ow 56
      dw_shape(2, 17, 14, 14, 3, 1, 1),   // ow 14, ragged block
      dw_shape(1, 33, 13, 13, 3, 1, 1),   // ow 13
      dw_shape(1, 3, 15, 15, 3, 1, 1),    // ow 15
      dw_shape(1, 16, 7, 7, 3, 1, 1),     // ow 7
      dw_shape(1, 17, 28, 28, 3, 2, 1),   // stride 2, ow 14
      dw_shape(1, 17, 29, 29, 3, 2, 1),   // stride 2, ow 15
      dw_shape(1, 16, 14, 14, 5, 1, 2),   // 5x5
      dw_shape(1, 17, 27, 27, 5, 2, 2),   // 5x5 stride 2, ow 14
      dw_shape(1, 8, 1, 1, 3, 1, 1),      // ow 1
      dw_shape(1, 8, 9, 9, 3, 1, 0),      // no padding
      dw_shape(1, 8, 12, 12, 3, 1, 2, 2), // dilation 2
      dw_shape(1, 9, 11, 11, 7, 1, 3),    // 7x7: the generic interior
      dw_shape(1, 4, 2, 2, 3, 1, 3),      // rows and columns with no tap inside
  };
  const std::vector<ActCase> acts = {{Activation::kNone, 0.f, 0.f}, {Activation::kRelu6, 0.f, 0.f}};
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    uint32_t seed = 1;
    for (const Conv2dShape& s : shapes) {
      check_depthwise(s, acts, seed);
      seed += 10;
    }
  }
}

TEST(BlockedDepthwise, EveryActivation) {
  for (Isa isa : tiers()) {
    TierScope scope(isa);
    check_depthwise(dw_shape(1, 19, 13, 13, 3, 1, 1), all_activations(), 5);
  }
}

}  // namespace
}  // namespace lacuna::kernels
