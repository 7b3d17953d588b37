// Normalization and softmax operators against hand-computed values and straightforward
// per-group statistics computed here.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

// Normalizes each run of `len` consecutive values (population variance).
std::vector<double> normalize_runs(const std::vector<double>& x, int64_t len, double eps) {
  std::vector<double> y(x.size());
  for (size_t s = 0; s < x.size(); s += static_cast<size_t>(len)) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < len; ++i) m += x[s + static_cast<size_t>(i)];
    m /= static_cast<double>(len);
    for (int64_t i = 0; i < len; ++i) v += (x[s + static_cast<size_t>(i)] - m) * (x[s + static_cast<size_t>(i)] - m);
    v /= static_cast<double>(len);
    for (int64_t i = 0; i < len; ++i) y[s + static_cast<size_t>(i)] = (x[s + static_cast<size_t>(i)] - m) / std::sqrt(v + eps);
  }
  return y;
}

Tensor as_float(const Shape& s, const std::vector<double>& v) {
  return Tensor::from_vector<float>(s, std::vector<float>(v.begin(), v.end()));
}

TEST(NnNorm, BatchNormInference) {
  Tensor x = Tensor::from_vector<float>({1, 2, 1, 3}, {-1, 0, 1, 2, 3, 4});
  Tensor scale = Tensor::from_vector<float>({2}, {1.0f, 1.5f});
  Tensor bias = Tensor::from_vector<float>({2}, {0, 1});
  Tensor mean = Tensor::from_vector<float>({2}, {0, 3});
  Tensor var = Tensor::from_vector<float>({2}, {1, 1.5});
  auto y = run_op(make_node("BatchNormalization", 5, 1, {{"epsilon", Attribute::of_float(0.f)}}), {x, scale, bias, mean, var});
  const double k = 1.5 / std::sqrt(1.5);
  expect_close(y[0], as_float({1, 2, 1, 3}, {-1, 0, 1, 1 - k, 1, 1 + k}));
  // Rank 2 input (N, C) and opset 7's spatial=0 (one statistic per channel and position).
  Tensor x2 = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
  expect_close(run_op(make_node("BatchNormalization", 5, 1, {{"epsilon", Attribute::of_float(0.f)}}), {x2, scale, bias, mean, var})[0],
               as_float({2, 2}, {1, 1 - k, 3, 1 + k}));
  Tensor xs = Tensor::from_vector<float>({1, 1, 2}, {5, 7});
  Tensor ones = Tensor::from_vector<float>({2}, {1, 1}), zeros = Tensor::from_vector<float>({2}, {0, 0});
  Tensor means = Tensor::from_vector<float>({2}, {5, 6});
  expect_close(run_op(make_node("BatchNormalization", 5, 1, {{"spatial", Attribute::of_int(0)}, {"epsilon", Attribute::of_float(0.f)}}),
                      {xs, ones, zeros, means, ones}, 7)[0],
               as_float({1, 1, 2}, {0, 1}));
  EXPECT_FALSE(try_run_op(make_node("BatchNormalization", 5, 1), {x, Tensor(DType::kFloat32, {3}), bias, mean, var}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("BatchNormalization", 5, 1), {Tensor(DType::kFloat32, {2}), scale, bias, mean, var}).is_ok());
  // Training outputs without training_mode are refused rather than left unset.
  EXPECT_FALSE(try_run_op(make_node("BatchNormalization", 5, 3), {x, scale, bias, mean, var}).is_ok());
}

TEST(NnNorm, BatchNormTrainingMode) {
  Tensor x = random_tensor(DType::kFloat32, {3, 2, 4}, 5);
  Tensor scale = Tensor::from_vector<float>({2}, {1, 2});
  Tensor bias = Tensor::from_vector<float>({2}, {0, -1});
  Tensor mean = Tensor::from_vector<float>({2}, {0.5f, 0});
  Tensor var = Tensor::from_vector<float>({2}, {1, 2});
  auto y = run_op(make_node("BatchNormalization", 5, 3, {{"training_mode", Attribute::of_int(1)},
                                                         {"momentum", Attribute::of_float(0.75f)}}),
                  {x, scale, bias, mean, var}, 15);
  ASSERT_EQ(y.size(), 3u);
  const auto xv = x.to_double_vector();
  for (int c = 0; c < 2; ++c) {
    double m = 0, v = 0;
    for (int n = 0; n < 3; ++n)
      for (int i = 0; i < 4; ++i) m += xv[static_cast<size_t>((n * 2 + c) * 4 + i)];
    m /= 12;
    for (int n = 0; n < 3; ++n)
      for (int i = 0; i < 4; ++i) v += std::pow(xv[static_cast<size_t>((n * 2 + c) * 4 + i)] - m, 2);
    v /= 12;
    EXPECT_NEAR(y[1].data<float>()[c], 0.75 * mean.data<float>()[c] + 0.25 * m, 1e-5);
    EXPECT_NEAR(y[2].data<float>()[c], 0.75 * var.data<float>()[c] + 0.25 * v, 1e-5);
    for (int n = 0; n < 3; ++n) {
      for (int i = 0; i < 4; ++i) {
        const size_t k = static_cast<size_t>((n * 2 + c) * 4 + i);
        EXPECT_NEAR(y[0].data<float>()[k], (xv[k] - m) / std::sqrt(v + 1e-5) * scale.data<float>()[c] + bias.data<float>()[c], 1e-4);
      }
    }
  }
}

TEST(NnNorm, InstanceAndGroupNorm) {
  Tensor x = random_tensor(DType::kFloat32, {2, 4, 3, 2}, 7);
  const auto xv = x.to_double_vector();
  Tensor scale = Tensor::from_vector<float>({4}, {1, 2, 3, 4});
  Tensor bias = Tensor::from_vector<float>({4}, {0, 1, 0, -1});
  auto affine = [&](std::vector<double> y, int64_t plane) {
    for (size_t i = 0; i < y.size(); ++i) {
      const auto c = static_cast<size_t>(static_cast<int64_t>(i) / plane % 4);
      y[i] = y[i] * scale.data<float>()[c] + bias.data<float>()[c];
    }
    return y;
  };
  expect_close(run_op(make_node("InstanceNormalization", 3, 1), {x, scale, bias})[0],
               as_float(x.shape(), affine(normalize_runs(xv, 6, 1e-5), 6)), 1e-4, 1e-5);
  // Two groups of two channels: statistics over 12 values, then the per-channel affine.
  expect_close(run_op(make_node("GroupNormalization", 3, 1, {{"num_groups", Attribute::of_int(2)}}), {x, scale, bias}, 21)[0],
               as_float(x.shape(), affine(normalize_runs(xv, 12, 1e-5), 6)), 1e-4, 1e-5);
  // Opset 18's per-group scale expands to the group's channels.
  Tensor gs = Tensor::from_vector<float>({2}, {2, 3}), gb = Tensor::from_vector<float>({2}, {1, 0});
  auto g18 = run_op(make_node("GroupNormalization", 3, 1, {{"num_groups", Attribute::of_int(2)}}), {x, gs, gb}, 18)[0];
  const auto n12 = normalize_runs(xv, 12, 1e-5);
  for (size_t i = 0; i < n12.size(); ++i) {
    const int g = static_cast<int>(i / 12 % 2);
    EXPECT_NEAR(g18.data<float>()[i], n12[i] * (g ? 3 : 2) + (g ? 0 : 1), 1e-4);
  }
  EXPECT_FALSE(try_run_op(make_node("GroupNormalization", 3, 1, {{"num_groups", Attribute::of_int(3)}}), {x, scale, bias}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("InstanceNormalization", 3, 1), {x, gs, bias}).is_ok());
}

TEST(NnNorm, LayerNormAxesStatsAndDomains) {
  Tensor x = random_tensor(DType::kFloat32, {2, 3, 4}, 11);
  const auto xv = x.to_double_vector();
  for (int64_t axis : {-1, 1, -3}) {
    const int64_t cols = axis == -1 ? 4 : axis == 1 ? 12 : 24;
    Tensor scale = random_tensor(DType::kFloat32, axis == -1 ? Shape{4} : axis == 1 ? Shape{3, 4} : Shape{2, 3, 4}, 12);
    auto y = run_op(make_node("LayerNormalization", 2, 3, {{"axis", Attribute::of_int(axis)}}), {x, scale});
    std::vector<double> e = normalize_runs(xv, cols, 1e-5);
    for (size_t i = 0; i < e.size(); ++i) e[i] *= scale.data<float>()[i % static_cast<size_t>(cols)];
    expect_close(y[0], as_float(x.shape(), e), 1e-4, 1e-5);
    const int64_t rows = 24 / cols;
    Shape stats = axis == -1 ? Shape{2, 3, 1} : axis == 1 ? Shape{2, 1, 1} : Shape{1, 1, 1};
    ASSERT_EQ(y[1].shape(), stats);
    for (int64_t r = 0; r < rows; ++r) {
      double m = 0;
      for (int64_t i = 0; i < cols; ++i) m += xv[static_cast<size_t>(r * cols + i)];
      EXPECT_NEAR(y[1].data<float>()[r], m / static_cast<double>(cols), 1e-5);
    }
  }
  // A bias broadcast from [1, 4]; the com.microsoft domain gives the same result.
  Tensor scale = Tensor::from_vector<float>({4}, {1, 1, 1, 1});
  Tensor bias = Tensor::from_vector<float>({1, 4}, {1, 2, 3, 4});
  auto onnx = run_op(make_node("LayerNormalization", 3, 1, {{"epsilon", Attribute::of_float(1e-3f)}}), {x, scale, bias});
  auto ms = run_op(make_node("LayerNormalization", 3, 1, {{"epsilon", Attribute::of_float(1e-3f)}}, "com.microsoft"),
                   {x, scale, bias}, 1);
  std::vector<double> e = normalize_runs(xv, 4, 1e-3);
  for (size_t i = 0; i < e.size(); ++i) e[i] += static_cast<double>(i % 4 + 1);
  expect_close(onnx[0], as_float(x.shape(), e), 1e-4, 1e-5);
  expect_equal(ms[0], onnx[0]);
  EXPECT_FALSE(try_run_op(make_node("LayerNormalization", 2, 1), {x, Tensor(DType::kFloat32, {3})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("LayerNormalization", 2, 1, {{"axis", Attribute::of_int(3)}}), {x, scale}).is_ok());
}

TEST(NnNorm, LrnAndMeanVarianceNormalization) {
  // size 3 over 3 channels at one position: channel 1 sees all three squares.
  Tensor x = Tensor::from_vector<float>({1, 3, 1, 1}, {1, 2, 3});
  auto y = run_op(make_node("LRN", 1, 1, {{"size", Attribute::of_int(3)}, {"alpha", Attribute::of_float(0.3f)},
                                          {"beta", Attribute::of_float(0.5f)}, {"bias", Attribute::of_float(2.f)}}),
                  {x})[0];
  expect_close(y, as_float({1, 3, 1, 1}, {1 / std::sqrt(2 + 0.1 * 5), 2 / std::sqrt(2 + 0.1 * 14), 3 / std::sqrt(2 + 0.1 * 13)}));
  EXPECT_FALSE(try_run_op(make_node("LRN", 1, 1), {x}).is_ok());

  // MVN over axes (0, 2, 3): per channel across batch and space.
  Tensor m = random_tensor(DType::kFloat32, {2, 2, 1, 3}, 4);
  const auto mv = m.to_double_vector();
  auto out = run_op(make_node("MeanVarianceNormalization", 1, 1), {m})[0];
  for (int c = 0; c < 2; ++c) {
    std::vector<size_t> idx;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 3; ++i) idx.push_back(static_cast<size_t>((n * 2 + c) * 3 + i));
    double mean = 0, var = 0;
    for (size_t k : idx) mean += mv[k];
    mean /= 6;
    for (size_t k : idx) var += (mv[k] - mean) * (mv[k] - mean);
    const double sd = std::sqrt(var / 6);
    for (size_t k : idx) EXPECT_NEAR(out.data<float>()[k], (mv[k] - mean) / (sd + 1e-9), 1e-4);
  }
  auto last = run_op(make_node("MeanVarianceNormalization", 1, 1, {{"axes", Attribute::of_ints({-1})}}), {m})[0];
  expect_close(last, as_float(m.shape(), normalize_runs(mv, 3, 0)), 1e-4, 1e-4);
  EXPECT_FALSE(try_run_op(make_node("MeanVarianceNormalization", 1, 1), {Tensor(DType::kFloat32, {2, 2})}).is_ok());
  // Opset 1: per instance over (H, W), or only the mean subtracted.
  Tensor x4 = Tensor::from_vector<float>({1, 2, 1, 2}, {1, 3, 10, 20});
  expect_close(run_op(make_node("MeanVarianceNormalization", 1, 1), {x4}, 1)[0], as_float({1, 2, 1, 2}, {-1, 1, -1, 1}), 1e-5, 1e-6);
  expect_close(run_op(make_node("MeanVarianceNormalization", 1, 1, {{"normalize_variance", Attribute::of_int(0)}}), {x4}, 1)[0],
               as_float({1, 2, 1, 2}, {-1, 1, -5, 5}));
}

TEST(NnSoftmax, AxisSemanticsByOpset) {
  Tensor x = Tensor::from_vector<float>({2, 2, 2}, {0, 1, 2, 3, 1, 1, 1, 1});
  // Opset 13, axis 1: pairs (0,2), (1,3), (1,1), (1,1).
  auto y13 = run_op(make_node("Softmax", 1, 1, {{"axis", Attribute::of_int(1)}}), {x}, 13)[0];
  const double a = 1 / (1 + std::exp(2.0));
  expect_close(y13, as_float({2, 2, 2}, {a, a, 1 - a, 1 - a, 0.5, 0.5, 0.5, 0.5}));
  // Opset 11, axis 1: each batch row of 4 values is one distribution.
  auto y11 = run_op(make_node("Softmax", 1, 1, {{"axis", Attribute::of_int(1)}}), {x}, 11)[0];
  const double s = 1 + std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_close(y11, as_float({2, 2, 2}, {1 / s, std::exp(1.0) / s, std::exp(2.0) / s, std::exp(3.0) / s, 0.25, 0.25, 0.25, 0.25}));
  // Default axes: -1 from opset 13, 1 before.
  auto d13 = run_op(make_node("Softmax", 1, 1), {x}, 13)[0];
  const double b = 1 / (1 + std::exp(1.0));
  expect_close(d13, as_float({2, 2, 2}, {b, 1 - b, b, 1 - b, 0.5, 0.5, 0.5, 0.5}));
  expect_equal(run_op(make_node("Softmax", 1, 1), {x}, 11)[0], y11);
  EXPECT_FALSE(try_run_op(make_node("Softmax", 1, 1, {{"axis", Attribute::of_int(3)}}), {x}, 13).is_ok());
}

TEST(NnSoftmax, LogSoftmaxHardmaxAndLargeInputs) {
  Tensor big = Tensor::from_vector<float>({1, 3}, {10000, 10001, 10002});
  auto s = run_op(make_node("Softmax", 1, 1), {big})[0];
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  expect_close(s, as_float({1, 3}, {1 / z, std::exp(1.0) / z, std::exp(2.0) / z}));
  auto l = run_op(make_node("LogSoftmax", 1, 1), {big})[0];
  expect_close(l, as_float({1, 3}, {-std::log(z), 1 - std::log(z), 2 - std::log(z)}), 1e-5, 1e-5);
  // Hardmax marks the first maximum only.
  Tensor h = Tensor::from_vector<float>({2, 3}, {1, 3, 3, -1, -2, -3});
  expect_equal(run_op(make_node("Hardmax", 1, 1), {h})[0], Tensor::from_vector<float>({2, 3}, {0, 1, 0, 1, 0, 0}));
  expect_equal(run_op(make_node("Hardmax", 1, 1, {{"axis", Attribute::of_int(0)}}), {h})[0],
               Tensor::from_vector<float>({2, 3}, {1, 1, 1, 0, 0, 0}));
  Tensor d = Tensor::from_vector<double>({2}, {0, 0});
  expect_close(run_op(make_node("Softmax", 1, 1), {d})[0], Tensor::from_vector<double>({2}, {0.5, 0.5}));
  EXPECT_EQ(run_op(make_node("Softmax", 1, 1), {Tensor(DType::kFloat32, {0, 3})})[0].shape(), (Shape{0, 3}));
  EXPECT_FALSE(try_run_op(make_node("Softmax", 1, 1), {Tensor(DType::kInt32, {2})}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
