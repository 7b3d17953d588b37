// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss against hand-computed values.
#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(std::move(s), v); }

Tensor logp() { return f32({2, 3}, {-1, -2, -3, -0.5f, -1.5f, -2.5f}); }

ir::Node nll(const std::string& reduction, int n_in = 2, ir::Attributes extra = {}) {
  extra["reduction"] = Attribute::of_string(reduction);
  return make_node("NegativeLogLikelihoodLoss", n_in, 1, extra);
}

TEST(NllLoss, Reductions) {
  const Tensor t = i64({2}, {2, 0});
  expect_close(run_op(nll("none"), {logp(), t})[0], f32({2}, {3, 0.5f}));
  expect_close(run_op(nll("sum"), {logp(), t})[0], Tensor::scalar<float>(3.5f));
  expect_close(run_op(nll("mean"), {logp(), t})[0], Tensor::scalar<float>(1.75f));
}

TEST(NllLoss, WeightsAndIgnoreIndex) {
  const Tensor t = i64({2}, {2, 0});
  const Tensor w = f32({3}, {1, 2, 3});
  expect_close(run_op(nll("none", 3), {logp(), t, w})[0], f32({2}, {9, 0.5f}));
  expect_close(run_op(nll("mean", 3), {logp(), t, w})[0], Tensor::scalar<float>(9.5f / 4));
  const ir::Attributes ii{{"ignore_index", Attribute::of_int(2)}};
  expect_close(run_op(nll("none", 2, ii), {logp(), t})[0], f32({2}, {0, 0.5f}));
  expect_close(run_op(nll("mean", 2, ii), {logp(), t})[0], Tensor::scalar<float>(0.5f));
  // An ignored target may lie outside [0, C).
  const ir::Attributes neg{{"ignore_index", Attribute::of_int(-100)}};
  expect_close(run_op(nll("sum", 2, neg), {logp(), i64({2}, {-100, 1})})[0], Tensor::scalar<float>(1.5f));
}

TEST(NllLoss, SpatialDimsAndInt32Targets) {
  const Tensor x = f32({1, 2, 2}, {-1, -2, -3, -4});
  const Tensor t = Tensor::from_vector<int32_t>({1, 2}, {1, 0});
  expect_close(run_op(nll("none"), {x, t})[0], f32({1, 2}, {3, 2}));
}

TEST(NllLoss, BadInputIsAnError) {
  EXPECT_FALSE(try_run_op(nll("mean"), {logp(), i64({2}, {3, 0})}).is_ok());     // target out of range
  EXPECT_FALSE(try_run_op(nll("mean"), {logp(), i64({3}, {0, 0, 0})}).is_ok());  // shape mismatch
  EXPECT_FALSE(try_run_op(nll("mean", 3), {logp(), i64({2}, {0, 0}), f32({2}, {1, 1})}).is_ok());
  EXPECT_FALSE(try_run_op(nll("average"), {logp(), i64({2}, {0, 0})}).is_ok());
}

TEST(SoftmaxCrossEntropy, LossAndLogProb) {
  const Tensor scores = f32({1, 2}, {0, std::log(3.f)});
  auto y = run_op(make_node("SoftmaxCrossEntropyLoss", 2, 2), {scores, i64({1}, {0})});
  expect_close(y[0], Tensor::scalar<float>(std::log(4.f)));
  expect_close(y[1], f32({1, 2}, {std::log(0.25f), std::log(0.75f)}));
}

TEST(SoftmaxCrossEntropy, MatchesLogSoftmaxPlusNll) {
  const Tensor scores = random_tensor(DType::kFloat32, {3, 4, 5}, 11, -3, 3);
  const Tensor labels = i64({3, 5}, {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2});
  const Tensor w = f32({4}, {0.5f, 1, 2, 0.25f});
  auto sce = run_op(make_node("SoftmaxCrossEntropyLoss", 3, 2, {{"ignore_index", Attribute::of_int(3)}}),
                    {scores, labels, w});
  auto nllv = run_op(nll("mean", 3, {{"ignore_index", Attribute::of_int(3)}}), {sce[1], labels, w});
  expect_close(sce[0], nllv[0], 1e-6);
  // log_prob sums to probability 1 over the classes.
  for (int n = 0; n < 3; ++n) {
    for (int d = 0; d < 5; ++d) {
      double p = 0;
      for (int c = 0; c < 4; ++c) p += std::exp(sce[1].data<float>()[(n * 4 + c) * 5 + d]);
      EXPECT_NEAR(p, 1.0, 1e-5);
    }
  }
  // Without the log_prob output the loss is the same.
  auto only = run_op(make_node("SoftmaxCrossEntropyLoss", 3, 1, {{"ignore_index", Attribute::of_int(3)}}),
                     {scores, labels, w});
  expect_close(only[0], sce[0]);
}

}  // namespace
}  // namespace lacuna::test
