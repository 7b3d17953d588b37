// ONNX Runtime's fused float contrib ops: SkipLayerNormalization, BiasGelu, FastGelu, FusedMatMul.
#include <algorithm>
#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

const char* kMs = "com.microsoft";

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }

TEST(SkipLayerNormalization, HandValuesAndOptionalOutputs) {
  // Row sums [1, 2, 3, 6] (x + skip + bias): mean 3, variance 3.5.
  const Tensor x = f32({1, 1, 4}, {1, 1, 1, 1});
  const Tensor skip = f32({1, 1, 4}, {0, 1, 2, 4});
  const Tensor gamma = f32({4}, {1, 2, 1, 1});
  const Tensor beta = f32({4}, {0, 0, 1, 0});
  const Tensor bias = f32({4}, {0, 0, 0, 1});
  auto y = run_op(make_node("SkipLayerNormalization", 5, 4, {{"epsilon", Attribute::of_float(0.f)}}, kMs),
                  {x, skip, gamma, beta, bias});
  const float inv = 1.f / std::sqrt(3.5f);
  expect_close(y[0], f32({1, 1, 4}, {-2 * inv, -2 * inv, 1, 3 * inv}), 1e-5);
  expect_close(y[1], f32({1, 1, 1}, {3}));
  expect_close(y[2], f32({1, 1, 1}, {inv}));
  expect_close(y[3], f32({1, 1, 4}, {1, 2, 3, 6}));
}

TEST(SkipLayerNormalization, SkipBroadcastsOverBatch) {
  const Tensor x = random_tensor(DType::kFloat32, {2, 3, 8}, 1);
  const Tensor skip = random_tensor(DType::kFloat32, {3, 8}, 2);
  const Tensor gamma = random_tensor(DType::kFloat32, {8}, 3);
  auto y = run_op(make_node("SkipLayerNormalization", 3, 1, {}, kMs), {x, skip, gamma});
  for (int r = 0; r < 6; ++r) {
    double s[8], m = 0, v = 0;
    for (int h = 0; h < 8; ++h) {
      s[h] = x.data<float>()[r * 8 + h] + skip.data<float>()[(r % 3) * 8 + h];
      m += s[h] / 8;
    }
    for (double e : s) v += (e - m) * (e - m) / 8;
    for (int h = 0; h < 8; ++h) {
      EXPECT_NEAR(y[0].data<float>()[r * 8 + h], (s[h] - m) / std::sqrt(v + 1e-12) * gamma.data<float>()[h],
                  1e-5);
    }
  }
  EXPECT_FALSE(
      try_run_op(make_node("SkipLayerNormalization", 3, 1, {}, kMs), {x, f32({4}, {0, 0, 0, 0}), gamma})
          .is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("SkipLayerNormalization", 3, 1, {}, kMs), {x, skip, f32({2}, {1, 1})}).is_ok());
}

TEST(BiasGelu, ErfForm) {
  auto y = run_op(make_node("BiasGelu", 2, 1, {}, kMs), {f32({2, 2}, {0, 1, -1, 2}), f32({2}, {1, -1})});
  auto g = [](double v) { return static_cast<float>(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))); };
  expect_close(y[0], f32({2, 2}, {g(1), g(0), g(0), g(1)}));
  EXPECT_FALSE(
      try_run_op(make_node("BiasGelu", 2, 1, {}, kMs), {f32({2, 2}, {0, 1, -1, 2}), f32({3}, {1, 1, 1})})
          .is_ok());
}

TEST(FastGelu, TanhFormWithAndWithoutBias) {
  auto g = [](double v) {
    return static_cast<float>(0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))));
  };
  auto y = run_op(make_node("FastGelu", 1, 1, {}, kMs), {f32({3}, {-1, 0, 3})});
  expect_close(y[0], f32({3}, {g(-1), 0, g(3)}));
  y = run_op(make_node("FastGelu", 2, 1, {}, kMs), {f32({3}, {-1, 0, 3}), f32({3}, {1, 1, 1})});
  expect_close(y[0], f32({3}, {0, g(1), g(4)}));
}

// Naive alpha * op(A) x op(B) for [batch, rows, cols] tensors.
Tensor naive(const Tensor& a, const Tensor& b, bool ta, bool tb, float alpha) {
  const int64_t batch = a.dim(0);
  const int64_t m = ta ? a.dim(2) : a.dim(1), k = ta ? a.dim(1) : a.dim(2), n = tb ? b.dim(1) : b.dim(2);
  Tensor y(DType::kFloat32, {batch, m, n});
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) {
          const float av = ta ? a.data<float>()[(p * k + q) * m + i] : a.data<float>()[(p * m + i) * k + q];
          const float bv = tb ? b.data<float>()[(p * n + j) * k + q] : b.data<float>()[(p * k + q) * n + j];
          s += static_cast<double>(av) * bv;
        }
        y.data<float>()[(p * m + i) * n + j] = static_cast<float>(alpha * s);
      }
  return y;
}

TEST(FusedMatMul, TransposesAndAlpha) {
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      const Tensor a = random_tensor(DType::kFloat32, ta ? Shape{2, 5, 3} : Shape{2, 3, 5}, 10 + ta);
      const Tensor b = random_tensor(DType::kFloat32, tb ? Shape{2, 4, 5} : Shape{2, 5, 4}, 20 + tb);
      auto y = run_op(make_node("FusedMatMul", 2, 1,
                                {{"transA", Attribute::of_int(ta)},
                                 {"transB", Attribute::of_int(tb)},
                                 {"alpha", Attribute::of_float(0.5f)}},
                                kMs),
                      {a, b});
      expect_close(y[0], naive(a, b, ta, tb, 0.5f), 1e-5, 1e-6);
    }
  }
}

TEST(FusedMatMul, BroadcastAndErrors) {
  const Tensor a = random_tensor(DType::kFloat32, {3, 2, 4}, 1);
  const Tensor b = random_tensor(DType::kFloat32, {4, 5}, 2);
  auto y = run_op(make_node("FusedMatMul", 2, 1, {}, kMs), {a, b});
  Tensor b3(DType::kFloat32, {3, 4, 5});
  for (int i = 0; i < 3; ++i) std::copy_n(b.data<float>(), 20, b3.data<float>() + i * 20);
  expect_close(y[0], naive(a, b3, false, false, 1.f), 1e-5, 1e-6);
  EXPECT_FALSE(
      try_run_op(make_node("FusedMatMul", 2, 1, {}, kMs), {a, random_tensor(DType::kFloat32, {5, 4}, 3)})
          .is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("FusedMatMul", 2, 1, {{"transBatchA", Attribute::of_int(1)}}, kMs), {a, b})
          .is_ok());
}

}  // namespace
}  // namespace lacuna::test
