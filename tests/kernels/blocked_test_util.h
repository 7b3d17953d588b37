// Helpers of the NCHWc kernel tests: the ISA tiers to run (up to LACUNA_MAX_ISA), random data,
// reorders through the kernels under test, reference convolutions, and comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/blocked.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/epilogue.h"
#include "kernels/ref/conv.h"

namespace lacuna::kernels::blocked_test {

// Every tier the CPU has, capped by LACUNA_MAX_ISA as detected at start-up.
inline std::vector<Isa> tiers() {
  static const Isa cap = cpu_info().isa;
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(cap)) out.push_back(isa);
  }
  return out;
}

// Sets the ISA cap for a scope and restores the start-up cap after.
class TierScope {
 public:
  explicit TierScope(Isa isa) : before_(cpu_info().isa) { set_max_isa(isa); }
  ~TierScope() { set_max_isa(before_); }

 private:
  Isa before_;
};

inline std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

inline std::vector<float> to_blocked(const BlockedKernels& k, const std::vector<float>& x, int64_t n, int64_t c,
                                     int64_t hw) {
  std::vector<float> xb(static_cast<size_t>(blocked_floats(n, c, 1, hw, k.block)), NAN);
  nchw_to_blocked(k, x.data(), xb.data(), c, hw, 0, n * channel_blocks(c, k.block));
  return xb;
}

inline std::vector<float> to_nchw(const BlockedKernels& k, const std::vector<float>& xb, int64_t n, int64_t c,
                                  int64_t hw) {
  std::vector<float> x(static_cast<size_t>(n * c * hw), NAN);
  blocked_to_nchw(k, xb.data(), x.data(), c, hw, 0, n * channel_blocks(c, k.block));
  return x;
}

// Lanes of the padded channels of a blocked tensor that are not exactly 0.
inline int64_t nonzero_padding(const std::vector<float>& xb, int64_t n, int64_t c, int64_t hw, int block) {
  const int64_t cb = channel_blocks(c, block);
  int64_t bad = 0;
  for (int64_t img = 0; img < n; ++img) {
    const float* last = xb.data() + ((img * cb + cb - 1) * hw) * block;
    for (int64_t p = 0; p < hw; ++p) {
      for (int64_t lane = c - (cb - 1) * block; lane < block; ++lane) bad += last[p * block + lane] != 0.f;
    }
  }
  return bad;
}

inline Conv2dShape conv_shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s,
                              int64_t stride, int64_t pad, int64_t dil = 1, int64_t groups = 1) {
  Conv2dShape sh;
  sh.n = n; sh.c = c; sh.h = h; sh.w = w; sh.k = k; sh.r = r; sh.s = s;
  sh.stride_h = sh.stride_w = stride;
  sh.pad_t = sh.pad_l = pad;
  sh.dil_h = sh.dil_w = dil;
  sh.groups = groups;
  sh.oh = (h + 2 * pad - dil * (r - 1) - 1) / stride + 1;
  sh.ow = (w + 2 * pad - dil * (s - 1) - 1) / stride + 1;
  return sh;
}

inline std::string describe(const Conv2dShape& s) {
  return "n" + std::to_string(s.n) + " c" + std::to_string(s.c) + " " + std::to_string(s.h) + "x" +
         std::to_string(s.w) + " k" + std::to_string(s.k) + " " + std::to_string(s.r) + "x" + std::to_string(s.s) +
         " s" + std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) + " p" + std::to_string(s.pad_t) +
         "," + std::to_string(s.pad_l) + " d" + std::to_string(s.dil_h) + " g" + std::to_string(s.groups) + " -> " +
         std::to_string(s.oh) + "x" + std::to_string(s.ow);
}

// The reference convolution (NCHW) with bias, then the residual and the activation.
inline std::vector<float> reference_conv(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                                         const float* bias, const float* res, const Epilogue& ep) {
  ref::ConvParams p{s.n, s.c, s.k, s.groups, {s.h, s.w}, {s.oh, s.ow}, {s.r, s.s},
                    {s.stride_h, s.stride_w}, {s.dil_h, s.dil_w}, {s.pad_t, s.pad_l}};
  std::vector<float> y(static_cast<size_t>(s.n * s.k * s.oh * s.ow));
  std::vector<float> ws(ref::conv_workspace_elems(p) + 1);
  ref::conv_forward<float>(p, x.data(), w.data(), bias, y.data(), ws.data());
  for (size_t i = 0; i < y.size(); ++i) y[i] = apply_activation(ep.act, y[i] + (res ? res[i] : 0.f), ep.alpha, ep.beta);
  return y;
}

inline void expect_near(const std::vector<float>& got, const std::vector<float>& want, double tol,
                        const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])))) {
      if (bad++ < 3) ADD_FAILURE() << what << ": [" << i << "] " << got[i] << " vs " << want[i];
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

struct ActCase {
  Activation act;
  float alpha, beta;
};

inline const std::vector<ActCase>& all_activations() {
  static const std::vector<ActCase> acts = {
      {Activation::kNone, 0.f, 0.f},       {Activation::kRelu, 0.f, 0.f},      {Activation::kRelu6, 0.f, 0.f},
      {Activation::kClip, -0.5f, 0.5f},    {Activation::kClip, 0.2f, 0.7f},    {Activation::kLeakyRelu, 0.1f, 0.f},
      {Activation::kSigmoid, 0.f, 0.f},    {Activation::kTanh, 0.f, 0.f},      {Activation::kHardSwish, 0.f, 0.f},
      {Activation::kGeluErf, 0.f, 0.f},    {Activation::kGeluTanh, 0.f, 0.f},
  };
  return acts;
}

}  // namespace lacuna::kernels::blocked_test
