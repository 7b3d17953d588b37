// Random generators and Dropout: shapes, dtypes, ranges and statistics; seeded draws match
// numpy's RandomState(seed); none of the generators may be constant-folded.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "../test_util.h"
#include "ops/registry.h"

namespace lacuna::test {
namespace {

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }

double mean(const Tensor& t) {
  double s = 0;
  for (double v : t.to_double_vector()) s += v;
  return s / static_cast<double>(t.numel());
}

double stddev(const Tensor& t) {
  const double m = mean(t);
  double s = 0;
  for (double v : t.to_double_vector()) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(t.numel()));
}

ir::Attributes shape_attr(std::vector<int64_t> shape, std::optional<float> seed = std::nullopt) {
  ir::Attributes a = {{"shape", ir::Attribute::of_ints(std::move(shape))}};
  if (seed) a["seed"] = ir::Attribute::of_float(*seed);
  return a;
}

TEST(RandomRef, SeededDrawsMatchNumpy) {
  // numpy.random.RandomState(0).rand(4) and .normal(size=5).
  auto u = run_op(make_node("RandomUniform", 0, 1, shape_attr({4}, 0.f)), {});
  expect_close(u[0], f32({4}, {0.5488135f, 0.71518937f, 0.60276338f, 0.54488318f}), 1e-6, 1e-7);
  ir::Attributes a = shape_attr({5}, 0.f);
  a["dtype"] = ir::Attribute::of_int(11);  // double
  auto n = run_op(make_node("RandomNormal", 0, 1, a), {});
  expect_close(n[0],
               Tensor::from_vector<double>({5}, {1.764052345967664, 0.4001572083672233, 0.9787379841057392,
                                                 2.240893199201458, 1.8675579901499675}),
               1e-12, 1e-12);
}

TEST(RandomRef, UniformRangeAndStatistics) {
  ir::Attributes a = shape_attr({100, 100});
  a["low"] = ir::Attribute::of_float(-2.f);
  a["high"] = ir::Attribute::of_float(6.f);
  auto u = run_op(make_node("RandomUniform", 0, 1, a), {});
  ASSERT_EQ(u[0].shape(), (Shape{100, 100}));
  ASSERT_EQ(u[0].dtype(), DType::kFloat32);
  for (double v : u[0].to_double_vector()) {
    ASSERT_GE(v, -2.0);
    ASSERT_LT(v, 6.0);
  }
  EXPECT_NEAR(mean(u[0]), 2.0, 0.1);
  EXPECT_NEAR(stddev(u[0]), 8.0 / std::sqrt(12.0), 0.05);
}

TEST(RandomRef, NormalStatisticsAndLikeForms) {
  ir::Attributes a = {{"mean", ir::Attribute::of_float(3.f)}, {"scale", ir::Attribute::of_float(0.5f)}};
  auto n = run_op(make_node("RandomNormalLike", 1, 1, a), {Tensor(DType::kFloat64, {200, 100})});
  ASSERT_EQ(n[0].dtype(), DType::kFloat64);  // the input's dtype by default
  ASSERT_EQ(n[0].shape(), (Shape{200, 100}));
  EXPECT_NEAR(mean(n[0]), 3.0, 0.02);
  EXPECT_NEAR(stddev(n[0]), 0.5, 0.02);
  // The *Like forms take any input dtype but need a float output.
  auto u = run_op(make_node("RandomUniformLike", 1, 1, {{"dtype", ir::Attribute::of_int(1)}}),
                  {Tensor::from_vector<int32_t>({3}, {7, 8, 9})});
  EXPECT_EQ(u[0].dtype(), DType::kFloat32);
  EXPECT_EQ(u[0].shape(), (Shape{3}));
  EXPECT_FALSE(
      try_run_op(make_node("RandomUniformLike", 1, 1), {Tensor::from_vector<int32_t>({3}, {7, 8, 9})})
          .is_ok());
  // An empty shape gives an empty tensor.
  auto e = run_op(make_node("RandomNormal", 0, 1, shape_attr({0, 3})), {});
  EXPECT_EQ(e[0].numel(), 0);
}

TEST(RandomRef, UnseededDrawsDiffer) {
  auto a = run_op(make_node("RandomUniform", 0, 1, shape_attr({16})), {});
  auto b = run_op(make_node("RandomUniform", 0, 1, shape_attr({16})), {});
  EXPECT_NE(a[0].to_double_vector(), b[0].to_double_vector());
}

TEST(RandomRef, Bernoulli) {
  std::vector<float> p(4000);
  for (size_t i = 0; i < p.size(); ++i) p[i] = i < 1000 ? 0.f : i < 2000 ? 1.f : 0.3f;
  auto y = run_op(make_node("Bernoulli", 1, 1), {f32({4000}, p)});
  ASSERT_EQ(y[0].dtype(), DType::kFloat32);
  const auto v = y[0].to_double_vector();
  double ones = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_TRUE(v[i] == 0.0 || v[i] == 1.0);
    if (i < 1000)
      ASSERT_EQ(v[i], 0.0);
    else if (i < 2000)
      ASSERT_EQ(v[i], 1.0);
    else
      ones += v[i];
  }
  EXPECT_NEAR(ones / 2000.0, 0.3, 0.05);
  auto b = run_op(make_node("Bernoulli", 1, 1, {{"dtype", ir::Attribute::of_int(9)}}), {f32({2}, {1, 0})});
  expect_equal(b[0], Tensor::from_vector<bool>({2}, {true, false}));
}

TEST(RandomRef, Multinomial) {
  // Row 0 can only pick class 1; row 1 picks uniformly between its two classes.
  Tensor logits = f32({2, 2}, {-1e30f, 0.f, 0.f, 0.f});
  auto y =
      run_op(make_node("Multinomial", 1, 1,
                       {{"sample_size", ir::Attribute::of_int(2000)}, {"dtype", ir::Attribute::of_int(7)}}),
             {logits});
  ASSERT_EQ(y[0].dtype(), DType::kInt64);
  ASSERT_EQ(y[0].shape(), (Shape{2, 2000}));
  const int64_t* d = y[0].data<int64_t>();
  double row1 = 0;
  for (int64_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(d[i], 1);
    ASSERT_TRUE(d[2000 + i] == 0 || d[2000 + i] == 1);
    row1 += static_cast<double>(d[2000 + i]);
  }
  EXPECT_NEAR(row1 / 2000.0, 0.5, 0.05);
  EXPECT_FALSE(try_run_op(make_node("Multinomial", 1, 1), {f32({2}, {0, 0})}).is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("Multinomial", 1, 1, {{"dtype", ir::Attribute::of_int(1)}}), {logits}).is_ok());
}

TEST(RandomRef, GeneratorsAreNotFoldable) {
  for (const char* op : {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                         "Bernoulli", "Multinomial"}) {
    const ops::OpEntry* e = ops::Registry::global().find("", op);
    ASSERT_NE(e, nullptr) << op;
    auto k = e->reference()->make(make_node(op, 1, 1, shape_attr({2})), 17);
    ASSERT_TRUE(k.has_value()) << op;
    EXPECT_FALSE((*k)->foldable()) << op;
  }
}

TEST(RandomRef, DropoutInferenceAndTraining) {
  Tensor x = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  // Inference: identity and an all-true mask.
  auto inf = run_op(make_node("Dropout", 1, 2), {x});
  expect_equal(inf[0], x);
  expect_equal(inf[1], Tensor::from_vector<bool>({2, 4}, std::vector<bool>(8, true)));
  // Training with seed 0: the mask is numpy's RandomState(0).uniform(size=8) >= 0.5.
  auto node = make_node("Dropout", 3, 2, {{"seed", ir::Attribute::of_int(0)}});
  auto tr = run_op(node, {x, f32({}, {0.5f}), Tensor::scalar<bool>(true)});
  expect_close(tr[0], f32({2, 4}, {2, 4, 6, 8, 0, 12, 0, 16}));
  expect_equal(tr[1], Tensor::from_vector<bool>({2, 4}, {true, true, true, true, false, true, false, true}));
  // Ratio 0 keeps everything; ratio 1 is rejected.
  auto keep = run_op(node, {x, f32({}, {0.f}), Tensor::scalar<bool>(true)});
  expect_equal(keep[0], x);
  EXPECT_FALSE(try_run_op(node, {x, f32({}, {1.f}), Tensor::scalar<bool>(true)}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
