// Adagrad, Adam and Momentum (ai.onnx.preview.training) against values worked out from the
// spec's update rules, several tensors per node, and malformed nodes.
#include <gtest/gtest.h>

#include "../test_util.h"

namespace lacuna::test {
namespace {

const char* kDomain = "ai.onnx.preview.training";

Tensor f64(std::vector<double> v) { return Tensor::from_vector<double>({static_cast<int64_t>(v.size())}, v); }
Tensor rate(float r) { return Tensor::scalar<float>(r); }
Tensor count(int64_t t) { return Tensor::scalar<int64_t>(t); }

const Tensor kX = f64({1, -2});
const Tensor kG = f64({0.5, 1});

TEST(TrainingRef, Adagrad) {
  auto node = make_node(
      "Adagrad", 5, 2,
      {{"decay_factor", ir::Attribute::of_float(0.5f)}, {"norm_coefficient", ir::Attribute::of_float(0.1f)}},
      kDomain);
  auto out = run_op(node, {rate(0.1f), count(2), kX, kG, f64({1, 0})}, 1);
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[0], f64({0.9742752342874282, -2.049999937500078}), 1e-6, 1e-8, "X_new");
  expect_close(out[1], f64({1.36, 0.64}), 1e-6, 1e-8, "H_new");
}

TEST(TrainingRef, AdamWithBiasCorrectionAndPostDecay) {
  auto node = make_node("Adam", 6, 3,
                        {{"alpha", ir::Attribute::of_float(0.9f)},
                         {"beta", ir::Attribute::of_float(0.99f)},
                         {"norm_coefficient", ir::Attribute::of_float(0.1f)},
                         {"norm_coefficient_post", ir::Attribute::of_float(0.01f)}},
                        kDomain);
  auto out = run_op(node, {rate(0.1f), count(2), kX, kG, f64({0.2, -0.3}), f64({1, 0})}, 1);
  ASSERT_EQ(out.size(), 3u);
  expect_close(out[0], f64({0.9723024500627069, -1.8054313243600801}), 1e-6, 1e-8, "X_new");
  expect_close(out[1], f64({0.24, -0.19}), 1e-6, 1e-8, "V_new");
  expect_close(out[2], f64({0.9936, 0.0064}), 1e-6, 1e-8, "H_new");
}

TEST(TrainingRef, MomentumStandardAndNesterov) {
  ir::Attributes a = {{"alpha", ir::Attribute::of_float(0.9f)},
                      {"beta", ir::Attribute::of_float(0.5f)},
                      {"norm_coefficient", ir::Attribute::of_float(0.1f)},
                      {"mode", ir::Attribute::of_string("standard")}};
  const Tensor v = f64({0.2, -0.3});
  // T == 0: the first step takes the whole gradient (beta is treated as 1).
  auto first = run_op(make_node("Momentum", 5, 2, a, kDomain), {rate(0.1f), count(0), kX, kG, v}, 1);
  expect_close(first[0], f64({0.922, -2.053}), 1e-6, 1e-8, "X_new, T=0");
  expect_close(first[1], f64({0.78, 0.53}), 1e-6, 1e-8, "V_new, T=0");
  auto later = run_op(make_node("Momentum", 5, 2, a, kDomain), {rate(0.1f), count(3), kX, kG, v}, 1);
  expect_close(later[0], f64({0.952, -2.013}), 1e-6, 1e-8, "X_new, T=3");
  expect_close(later[1], f64({0.48, 0.13}), 1e-6, 1e-8, "V_new, T=3");
  a["mode"] = ir::Attribute::of_string("nesterov");
  auto nesterov = run_op(make_node("Momentum", 5, 2, a, kDomain), {rate(0.1f), count(3), kX, kG, v}, 1);
  expect_close(nesterov[0], f64({0.8968, -2.0917}), 1e-6, 1e-8, "nesterov X_new");
}

// Two tensors in one node: outputs are all X_new first, then all state updates.
TEST(TrainingRef, SeveralTensorsMatchSeparateCalls) {
  ir::Attributes a = {{"alpha", ir::Attribute::of_float(0.9f)},
                      {"beta", ir::Attribute::of_float(0.5f)},
                      {"norm_coefficient", ir::Attribute::of_float(0.1f)},
                      {"mode", ir::Attribute::of_string("standard")}};
  const Tensor x2 = Tensor::from_vector<double>({1, 1}, {3}), g2 = Tensor::from_vector<double>({1, 1}, {-1});
  const Tensor v1 = f64({0.2, -0.3}), v2 = Tensor::from_vector<double>({1, 1}, {0.5});
  auto both =
      run_op(make_node("Momentum", 8, 4, a, kDomain), {rate(0.1f), count(3), kX, x2, kG, g2, v1, v2}, 1);
  auto one = run_op(make_node("Momentum", 5, 2, a, kDomain), {rate(0.1f), count(3), kX, kG, v1}, 1);
  auto two = run_op(make_node("Momentum", 5, 2, a, kDomain), {rate(0.1f), count(3), x2, g2, v2}, 1);
  ASSERT_EQ(both.size(), 4u);
  expect_equal(both[0], one[0]);
  expect_equal(both[1], two[0]);
  expect_equal(both[2], one[1]);
  expect_equal(both[3], two[1]);
}

TEST(TrainingRef, MalformedNodesAreErrors) {
  ir::Attributes a = {{"alpha", ir::Attribute::of_float(0.9f)},
                      {"beta", ir::Attribute::of_float(0.5f)},
                      {"norm_coefficient", ir::Attribute::of_float(0.1f)},
                      {"mode", ir::Attribute::of_string("standard")}};
  // Gradient shape differs from X.
  EXPECT_FALSE(try_run_op(make_node("Momentum", 5, 2, a, kDomain),
                          {rate(0.1f), count(0), kX, f64({1}), f64({0, 0})}, 1)
                   .is_ok());
  // Inputs do not split into X, G, V groups.
  EXPECT_FALSE(
      try_run_op(make_node("Momentum", 4, 2, a, kDomain), {rate(0.1f), count(0), kX, kG}, 1).is_ok());
  // Missing required attribute, unknown mode.
  ir::Attributes b = a;
  b.erase("alpha");
  EXPECT_FALSE(
      try_run_op(make_node("Momentum", 5, 2, b, kDomain), {rate(0.1f), count(0), kX, kG, kX}, 1).is_ok());
  b = a;
  b["mode"] = ir::Attribute::of_string("heavy");
  EXPECT_FALSE(
      try_run_op(make_node("Momentum", 5, 2, b, kDomain), {rate(0.1f), count(0), kX, kG, kX}, 1).is_ok());
  // T must be int64, R a scalar.
  EXPECT_FALSE(try_run_op(make_node("Adagrad", 5, 2, {}, kDomain),
                          {rate(0.1f), Tensor::scalar<float>(1), kX, kG, kX}, 1)
                   .is_ok());
  EXPECT_FALSE(try_run_op(make_node("Adagrad", 5, 2, {}, kDomain), {f64({0.1, 0.2}), count(1), kX, kG, kX}, 1)
                   .is_ok());
}

}  // namespace
}  // namespace lacuna::test
