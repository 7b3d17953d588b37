// The feature-major (channels-first) transformer pieces against plain references: the column
// row-kernels (softmax and layernorm down each column) on every ISA, the 2-D transposes, the
// layout conversions, LayerNormChannels and feature-major attention against the reference ops.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/cpu.h"
#include "kernels/dense/rowops.h"
#include "kernels/dense/transpose.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using kernels::RowKernels;

std::vector<float> random_vec(size_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<const RowKernels*> row_kernels() {
  std::vector<const RowKernels*> ks = {&kernels::kRowKernelsScalar};
  const CpuInfo& cpu = cpu_info();
  if (static_cast<int>(cpu.hw_isa) >= static_cast<int>(Isa::kAvx2)) ks.push_back(&kernels::kRowKernelsAvx2);
  if (static_cast<int>(cpu.hw_isa) >= static_cast<int>(Isa::kAvx512)) ks.push_back(&kernels::kRowKernelsAvx512);
  return ks;
}

struct ColCase {
  int64_t rows, cols, ld;
};
const std::vector<ColCase> kColCases = {{1, 1, 1}, {3, 5, 7}, {17, 16, 16}, {128, 33, 48}, {64, 144, 144}, {9, 40, 41}};

TEST(FeatureMajorKernels, SoftmaxColumns) {
  for (const RowKernels* k : row_kernels()) {
    for (const ColCase& c : kColCases) {
      for (bool with_add : {false, true}) {
        SCOPED_TRACE(std::string(k->name) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols));
        auto s = random_vec(static_cast<size_t>(c.rows * c.ld), 1, -6, 6);
        const auto add = random_vec(static_cast<size_t>(c.rows), 2, -4, 0);
        std::vector<double> want(s.size());
        const float scale = 0.3f;
        for (int64_t j = 0; j < c.cols; ++j) {
          double mx = -1e300;
          for (int64_t r = 0; r < c.rows; ++r) {
            mx = std::max(mx, double(s[r * c.ld + j]) * scale + (with_add ? add[r] : 0.0));
          }
          double sum = 0;
          for (int64_t r = 0; r < c.rows; ++r) {
            sum += std::exp(double(s[r * c.ld + j]) * scale + (with_add ? add[r] : 0.0) - mx);
          }
          for (int64_t r = 0; r < c.rows; ++r) {
            want[r * c.ld + j] = std::exp(double(s[r * c.ld + j]) * scale + (with_add ? add[r] : 0.0) - mx) / sum;
          }
        }
        const auto before = s;
        k->softmax_cols(s.data(), c.rows, c.cols, c.ld, scale, with_add ? add.data() : nullptr);
        for (int64_t r = 0; r < c.rows; ++r) {
          for (int64_t j = 0; j < c.ld; ++j) {
            const size_t i = static_cast<size_t>(r * c.ld + j);
            if (j < c.cols) {
              ASSERT_NEAR(s[i], want[i], 1e-6 + 1e-5 * want[i]) << "r " << r << " c " << j;
            } else {
              ASSERT_EQ(s[i], before[i]) << "padding column " << j << " was written";
            }
          }
        }
      }
    }
  }
}

TEST(FeatureMajorKernels, LayerNormColumns) {
  for (const RowKernels* k : row_kernels()) {
    for (const ColCase& c : kColCases) {
      for (bool affine : {false, true}) {
        SCOPED_TRACE(std::string(k->name) + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols));
        const auto x = random_vec(static_cast<size_t>(c.rows * c.ld), 3, -3, 5);
        const auto gamma = random_vec(static_cast<size_t>(c.rows), 4, 0.5, 1.5);
        const auto beta = random_vec(static_cast<size_t>(c.rows), 5);
        std::vector<float> y(x.size(), 7.f);
        const float eps = 1e-5f;
        k->layernorm_cols(x.data(), y.data(), c.rows, c.cols, c.ld, affine ? gamma.data() : nullptr,
                          affine ? beta.data() : nullptr, eps);
        for (int64_t j = 0; j < c.cols; ++j) {
          double mean = 0, var = 0;
          for (int64_t r = 0; r < c.rows; ++r) mean += x[r * c.ld + j];
          mean /= double(c.rows);
          for (int64_t r = 0; r < c.rows; ++r) var += (x[r * c.ld + j] - mean) * (x[r * c.ld + j] - mean);
          var /= double(c.rows);
          for (int64_t r = 0; r < c.rows; ++r) {
            double want = (x[r * c.ld + j] - mean) / std::sqrt(var + eps);
            if (affine) want = want * gamma[r] + beta[r];
            ASSERT_NEAR(y[r * c.ld + j], want, 1e-4 + 1e-4 * std::abs(want)) << "r " << r << " c " << j;
          }
        }
        // In place gives the same.
        auto z = x;
        k->layernorm_cols(z.data(), z.data(), c.rows, c.cols, c.ld, affine ? gamma.data() : nullptr,
                          affine ? beta.data() : nullptr, eps);
        for (int64_t r = 0; r < c.rows; ++r) {
          for (int64_t j = 0; j < c.cols; ++j) ASSERT_EQ(z[r * c.ld + j], y[r * c.ld + j]);
        }
      }
    }
  }
}

TEST(FeatureMajorKernels, Transposes) {
  std::vector<kernels::TransposeFn> fns = {kernels::transpose_scalar};
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx512)) fns.push_back(kernels::transpose_avx512);
  for (kernels::TransposeFn fn : fns) {
    for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {16, 16}, {17, 5}, {128, 768}, {33, 47}, {3, 64}}) {
      const int64_t ld_x = cols + 3, ld_y = rows + 5;
      const auto x = random_vec(static_cast<size_t>(rows * ld_x), 6);
      std::vector<float> y(static_cast<size_t>(cols * ld_y), -9.f);
      fn(x.data(), y.data(), rows, cols, ld_x, ld_y);
      for (int64_t c = 0; c < cols; ++c) {
        for (int64_t r = 0; r < ld_y; ++r) {
          const float got = y[static_cast<size_t>(c * ld_y + r)];
          if (r < rows) ASSERT_EQ(got, x[static_cast<size_t>(r * ld_x + c)]) << rows << "x" << cols;
          else ASSERT_EQ(got, -9.f) << "wrote past the row";
        }
      }
    }
  }
}

TEST(FeatureMajorOps, ConversionsRoundTripWithZeroPadding) {
  const Tensor x = test::random_tensor(DType::kFloat32, {2, 33, 20}, 7);
  ir::Attributes to_a;
  to_a["padded"] = Attribute::of_int(48);
  const auto fm = test::run_op(test::make_node("ToFeatureMajor", 1, 1, to_a, "lacuna"), {x});
  ASSERT_EQ(fm.size(), 1u);
  ASSERT_EQ(fm[0].shape(), (Shape{2, 20, 48}));
  const float* f = fm[0].data<float>();
  const float* xs = x.data<float>();
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t e = 0; e < 20; ++e) {
      for (int64_t t = 0; t < 48; ++t) {
        const float want = t < 33 ? xs[(b * 33 + t) * 20 + e] : 0.f;
        ASSERT_EQ(f[(b * 20 + e) * 48 + t], want);
      }
    }
  }
  ir::Attributes from_a;
  from_a["tokens"] = Attribute::of_int(33);
  const auto back = test::run_op(test::make_node("FromFeatureMajor", 1, 1, from_a, "lacuna"), fm);
  ASSERT_EQ(back.size(), 1u);
  test::expect_equal(back[0], x);
}

TEST(FeatureMajorOps, LayerNormChannelsFastMatchesReference) {
  for (Shape s : {Shape{1, 768, 144}, Shape{2, 33, 7}, Shape{3, 5, 16}}) {
    const Tensor x = test::random_tensor(DType::kFloat32, s, 1, -4, 4);
    const Tensor g = test::random_tensor(DType::kFloat32, {s[1]}, 2);
    const Tensor b = test::random_tensor(DType::kFloat32, {s[1]}, 3);
    ir::Attributes a;
    a["epsilon"] = Attribute::of_float(1e-12f);
    test::expect_fast_matches_reference(test::make_node("LayerNormChannels", 3, 1, a, "lacuna"), {x, g, b},
                                        "layer_norm_channels_fast", 1e-4, 1e-5);
    test::expect_fast_matches_reference(test::make_node("LayerNormChannels", 2, 1, a, "lacuna"), {x, g},
                                        "layer_norm_channels_fast", 1e-4, 1e-5);
  }
}

TEST(FeatureMajorOps, AttentionFastMatchesReference) {
  struct Case {
    int64_t b, tokens, padded, heads, d;
    Shape mask;
  };
  const std::vector<Case> cases = {{1, 8, 16, 2, 4, {}},
                                   {2, 17, 48, 3, 8, {2, 1, 1, 17}},
                                   {1, 33, 48, 4, 16, {1, 1, 1, 33}},
                                   {1, 128, 144, 12, 64, {1, 1, 1, 128}}};
  for (const Case& c : cases) {
    SCOPED_TRACE("tokens " + std::to_string(c.tokens));
    ir::Attributes a;
    a["num_heads"] = Attribute::of_int(c.heads);
    a["scale"] = Attribute::of_float(0.125f);
    a["feature_major"] = Attribute::of_int(1);
    a["tokens"] = Attribute::of_int(c.tokens);
    const int64_t e = c.heads * c.d;
    std::vector<Tensor> in;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      in.push_back(test::random_tensor(DType::kFloat32, {c.b, e, c.padded}, seed));
    }
    int n_in = 3;
    if (!c.mask.empty()) {
      in.push_back(test::random_tensor(DType::kFloat32, c.mask, 4, -5, 0));
      n_in = 4;
    }
    test::expect_fast_matches_reference(test::make_node("Attention", n_in, 1, a, "lacuna"), in, "attention_fast",
                                        1e-4, 1e-5);
  }
}

}  // namespace
}  // namespace lacuna
