// The NCHW GEMM convolution and the depthwise kernel against the reference convolution, over
// strides, paddings, dilations, groups, ragged pixel tiles, every ISA and the fused epilogue.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/depthwise.h"
#include "kernels/dense/gemm_ukernels.h"
#include "kernels/ref/conv.h"

namespace lacuna::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

struct Case {
  int64_t n, c, h, w, k, r, s, stride, pad, dil, groups;
};

Conv2dShape make_shape(const Case& c) {
  Conv2dShape s;
  s.n = c.n; s.c = c.c; s.h = c.h; s.w = c.w; s.k = c.k; s.r = c.r; s.s = c.s;
  s.stride_h = s.stride_w = c.stride;
  s.pad_t = s.pad_l = c.pad;
  s.dil_h = s.dil_w = c.dil;
  s.groups = c.groups;
  s.oh = (c.h + 2 * c.pad - c.dil * (c.r - 1) - 1) / c.stride + 1;
  s.ow = (c.w + 2 * c.pad - c.dil * (c.s - 1) - 1) / c.stride + 1;
  return s;
}

// Reference: conv + bias, then residual and activation.
std::vector<float> reference(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& bias, const std::vector<float>* res, Activation act) {
  ref::ConvParams p{s.n, s.c, s.k, s.groups, {s.h, s.w}, {s.oh, s.ow}, {s.r, s.s},
                    {s.stride_h, s.stride_w}, {s.dil_h, s.dil_w}, {s.pad_t, s.pad_l}};
  std::vector<float> y(static_cast<size_t>(s.n * s.k * s.oh * s.ow));
  std::vector<float> ws(ref::conv_workspace_elems(p) + 1);
  ref::conv_forward<float>(p, x.data(), w.data(), bias.data(), y.data(), ws.data());
  for (size_t i = 0; i < y.size(); ++i) {
    float v = y[i] + (res ? (*res)[i] : 0.f);
    y[i] = apply_activation(act, v, 0.f, 6.f);
  }
  return y;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])))) {
      if (bad++ < 3) ADD_FAILURE() << what << ": [" << i << "] " << got[i] << " vs " << want[i];
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

std::vector<const GemmKernel*> kernels_to_test() {
  std::vector<const GemmKernel*> ks = {&scalar_gemm_kernel()};
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx2)) ks.push_back(&kGemmAvx2_6x16);
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx512)) ks.push_back(&kGemmAvx512_14x32);
  return ks;
}

TEST(DenseConv, MatchesReference) {
  const std::vector<Case> cases = {
      {1, 3, 17, 19, 8, 3, 3, 1, 1, 1, 1},     // ragged pixel tiles
      {2, 16, 14, 14, 30, 1, 1, 1, 0, 1, 1},   // pointwise, direct B
      {1, 16, 13, 11, 20, 1, 1, 2, 0, 1, 1},   // strided pointwise
      {1, 3, 32, 32, 16, 7, 7, 2, 3, 1, 1},    // stem
      {1, 8, 12, 12, 8, 3, 3, 1, 2, 2, 1},     // dilated
      {2, 12, 9, 9, 18, 3, 3, 2, 1, 1, 3},     // grouped, strided
      {1, 300, 7, 7, 40, 3, 3, 1, 1, 1, 1},    // K > kGemmKc
      {1, 4, 1, 1, 5, 1, 1, 1, 0, 1, 1},       // one pixel
      {1, 5, 6, 40, 33, 3, 3, 1, 1, 1, 1},     // padded: wide rows, ragged rows
      {2, 6, 7, 7, 16, 5, 3, 1, 2, 1, 2},      // padded: asymmetric kernel, groups
      {1, 4, 9, 9, 4, 3, 3, 1, 0, 1, 1},       // padded strategy without padding
      {1, 16, 14, 14, 24, 3, 3, 2, 1, 1, 1},   // phase planes: 3x3 stride 2
      {2, 8, 17, 15, 9, 7, 7, 2, 3, 1, 1},     // phase planes: 7x7 stride 2, odd sizes
      {1, 16, 11, 12, 8, 3, 3, 2, 2, 2, 1},    // phase planes: stride 2, dilation 2
      {1, 32, 10, 10, 16, 1, 1, 2, 0, 1, 2},   // phase planes: grouped 1x1 stride 2
  };
  for (const GemmKernel* gk : kernels_to_test()) {
    for (const Case& c : cases) {
      const Conv2dShape s = make_shape(c);
      const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w), 1);
      const auto w = random_vec(static_cast<size_t>(s.k * s.cg() * s.r * s.s), 2);
      const auto bias = random_vec(static_cast<size_t>(s.k), 3);
      const auto res = random_vec(static_cast<size_t>(s.n * s.k * s.oh * s.ow), 4);
      DenseConv2d conv(*gk, s, w.data());
      for (bool with_res : {false, true}) {
        const Activation act = with_res ? Activation::kRelu : Activation::kNone;
        Epilogue ep;
        ep.row_bias = bias.data();
        ep.residual = with_res ? res.data() : nullptr;
        ep.act = act;
        for (int threads : {1, 2, 3}) {
          std::vector<float> y(res.size(), NAN);
          std::vector<float> scratch(static_cast<size_t>(conv.scratch_floats()), NAN);
          std::vector<float> padded(static_cast<size_t>(conv.padded_floats()), NAN);
          conv.pad_input(x.data(), padded.data(), 0, s.n * s.c);
          const int64_t items = conv.work_items(threads);
          for (int t = 0; t < threads; ++t) {
            conv.run(x.data(), padded.data(), y.data(), ep, items * t / threads, items * (t + 1) / threads, threads,
                     scratch.data());
          }
          expect_near(y, reference(s, x, w, bias, with_res ? &res : nullptr, act), 1e-4,
                      std::string(gk->name) + " c" + std::to_string(c.c) + " r" + std::to_string(c.r));
        }
      }
    }
  }
}

TEST(DepthwiseConv, MatchesReference) {
  const std::vector<Case> cases = {
      {1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 32}, {2, 16, 15, 13, 16, 3, 3, 2, 1, 1, 16},
      {1, 8, 10, 10, 8, 5, 5, 1, 2, 1, 8},    {1, 4, 9, 9, 4, 3, 3, 1, 2, 2, 4},
      {1, 3, 1, 1, 3, 3, 3, 1, 1, 1, 3},
  };
  std::vector<DepthwiseFn> fns = {depthwise_scalar};
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx2)) fns.push_back(depthwise_avx2);
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx512)) fns.push_back(depthwise_avx512);
  for (DepthwiseFn fn : fns) {
    for (const Case& c : cases) {
      const Conv2dShape s = make_shape(c);
      const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w), 5);
      const auto w = random_vec(static_cast<size_t>(s.k * s.r * s.s), 6);
      const auto bias = random_vec(static_cast<size_t>(s.k), 7);
      const auto res = random_vec(static_cast<size_t>(s.n * s.k * s.oh * s.ow), 8);
      for (Activation act : {Activation::kNone, Activation::kRelu6, Activation::kSigmoid}) {
        Epilogue ep;
        ep.row_bias = bias.data();
        ep.residual = res.data();
        ep.act = act;
        ep.alpha = 0.f;
        ep.beta = 6.f;
        std::vector<float> y(res.size(), NAN);
        std::vector<float> scratch(static_cast<size_t>(depthwise_scratch_floats(s)));
        fn(s, x.data(), w.data(), y.data(), ep, 0, s.n * s.c, scratch.data());
        expect_near(y, reference(s, x, w, bias, &res, act), 1e-5, "depthwise");
      }
    }
  }
}

}  // namespace
}  // namespace lacuna::kernels
