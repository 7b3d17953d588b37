// Reductions and ArgMax/ArgMin against hand-computed values and a naive double-precision oracle.
#include <cmath>
#include <limits>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(std::move(s), v); }

// x = [[1, 2, 3], [4, 5, 6]]
Tensor x23() { return f32({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(Reduce, SumOverAxisInput) {
  auto y = run_op(make_node("ReduceSum", 2, 1, {{"keepdims", Attribute::of_int(0)}}), {x23(), i64({1}, {1})});
  expect_close(y[0], f32({2}, {6, 15}));
  y = run_op(make_node("ReduceSum", 2, 1), {x23(), i64({1}, {-2})});
  expect_close(y[0], f32({1, 3}, {5, 7, 9}));
}

TEST(Reduce, SumAxesAttributeBeforeOpset13) {
  auto y = run_op(make_node("ReduceSum", 1, 1, {{"axes", Attribute::of_ints({0})}}), {x23()}, 11);
  expect_close(y[0], f32({1, 3}, {5, 7, 9}));
}

TEST(Reduce, EmptyAxesReducesAllOrIsNoop) {
  auto y = run_op(make_node("ReduceSum", 1, 1), {x23()});
  expect_close(y[0], f32({1, 1}, {21}));
  y = run_op(make_node("ReduceSum", 2, 1, {{"noop_with_empty_axes", Attribute::of_int(1)}}),
             {x23(), i64({0}, {})});
  expect_close(y[0], x23());
}

TEST(Reduce, EveryKindOverLastAxis) {
  const Tensor x = f32({2, 2}, {1, -2, 3, 4});
  struct Case {
    const char* op;
    std::vector<float> want;
  };
  const Case cases[] = {
      {"ReduceMean", {-0.5f, 3.5f}},
      {"ReduceMax", {1, 4}},
      {"ReduceMin", {-2, 3}},
      {"ReduceProd", {-2, 12}},
      {"ReduceL1", {3, 7}},
      {"ReduceL2", {std::sqrt(5.f), 5}},
      {"ReduceSumSquare", {5, 25}},
      {"ReduceLogSumExp",
       {static_cast<float>(std::log(std::exp(1.0) + std::exp(-2.0))),
        static_cast<float>(std::log(std::exp(3.0) + std::exp(4.0)))}},
  };
  for (const Case& c : cases) {
    auto y =
        run_op(make_node(c.op, 1, 1, {{"axes", Attribute::of_ints({1})}, {"keepdims", Attribute::of_int(0)}}),
               {x}, 13);
    expect_close(y[0], f32({2}, c.want), 1e-6, 1e-6, c.op);
  }
  auto y =
      run_op(make_node("ReduceLogSum", 1, 1, {{"axes", Attribute::of_ints({0})}}), {f32({2}, {1, 2})}, 13);
  expect_close(y[0], f32({1}, {std::log(3.f)}));
}

TEST(Reduce, AxesInputFromOpset18) {
  auto y =
      run_op(make_node("ReduceMax", 2, 1, {{"keepdims", Attribute::of_int(0)}}), {x23(), i64({1}, {0})}, 18);
  expect_close(y[0], f32({3}, {4, 5, 6}));
}

TEST(Reduce, NonContiguousAxesMatchOracle) {
  const Tensor x = random_tensor(DType::kFloat32, {3, 4, 5, 2}, 7);
  auto y = run_op(make_node("ReduceSum", 2, 1, {{"keepdims", Attribute::of_int(0)}}), {x, i64({2}, {0, 2})});
  Tensor want(DType::kFloat32, {4, 2});
  const float* xd = x.data<float>();
  for (int b = 0; b < 4; ++b) {
    for (int d = 0; d < 2; ++d) {
      double s = 0;
      for (int a = 0; a < 3; ++a) {
        for (int c = 0; c < 5; ++c) s += xd[((a * 4 + b) * 5 + c) * 2 + d];
      }
      want.data<float>()[b * 2 + d] = static_cast<float>(s);
    }
  }
  expect_close(y[0], want, 1e-5, 1e-5);
}

TEST(Reduce, EmptyReductionGivesIdentity) {
  const Tensor x(DType::kFloat32, {2, 0});
  const auto inf = std::numeric_limits<float>::infinity();
  auto sum = run_op(make_node("ReduceSum", 2, 1, {{"keepdims", Attribute::of_int(0)}}), {x, i64({1}, {1})});
  expect_close(sum[0], f32({2}, {0, 0}));
  auto prod = run_op(make_node("ReduceProd", 1, 1, {{"axes", Attribute::of_ints({1})}}), {x}, 13);
  expect_close(prod[0], f32({2, 1}, {1, 1}));
  auto mx = run_op(make_node("ReduceMax", 1, 1, {{"axes", Attribute::of_ints({1})}}), {x}, 13);
  expect_close(mx[0], f32({2, 1}, {-inf, -inf}));
  auto lse = run_op(make_node("ReduceLogSumExp", 1, 1, {{"axes", Attribute::of_ints({1})}}), {x}, 13);
  expect_close(lse[0], f32({2, 1}, {-inf, -inf}));
}

TEST(Reduce, IntegersAndScalars) {
  auto y = run_op(make_node("ReduceSum", 1, 1), {i64({3}, {1, 2, 3})});
  expect_equal(y[0], i64({1}, {6}));
  y = run_op(make_node("ReduceMean", 1, 1, {{"keepdims", Attribute::of_int(0)}}), {i64({2}, {3, 4})}, 13);
  expect_equal(y[0], Tensor::scalar<int64_t>(3));
  y = run_op(make_node("ReduceSum", 1, 1), {Tensor::scalar<float>(2.5f)});
  expect_close(y[0], Tensor::scalar<float>(2.5f));
}

TEST(Reduce, BadAxisIsAnError) {
  EXPECT_FALSE(try_run_op(make_node("ReduceSum", 2, 1), {x23(), i64({1}, {2})}).is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("ReduceMin", 1, 1, {{"axes", Attribute::of_ints({-3})}}), {x23()}, 13).is_ok());
  EXPECT_FALSE(try_run_op(make_node("ReduceSum", 2, 1), {x23(), f32({1}, {0})}).is_ok());
}

TEST(ArgReduce, MaxMinKeepdimsAndTies) {
  const Tensor x = f32({2, 3}, {1, 5, 5, 7, 0, 7});
  auto y = run_op(make_node("ArgMax", 1, 1, {{"axis", Attribute::of_int(1)}}), {x});
  expect_equal(y[0], i64({2, 1}, {1, 0}));
  y = run_op(make_node("ArgMax", 1, 1,
                       {{"axis", Attribute::of_int(-1)},
                        {"select_last_index", Attribute::of_int(1)},
                        {"keepdims", Attribute::of_int(0)}}),
             {x});
  expect_equal(y[0], i64({2}, {2, 2}));
  y = run_op(make_node("ArgMin", 1, 1, {{"axis", Attribute::of_int(0)}, {"keepdims", Attribute::of_int(0)}}),
             {x});
  expect_equal(y[0], i64({3}, {0, 1, 0}));
}

TEST(ArgReduce, Errors) {
  EXPECT_FALSE(try_run_op(make_node("ArgMax", 1, 1, {{"axis", Attribute::of_int(2)}}), {x23()}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("ArgMin", 1, 1), {Tensor(DType::kFloat32, {0, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("ArgMin", 1, 1), {Tensor::scalar<float>(1.f)}).is_ok());
}

}  // namespace
}  // namespace lacuna::test

namespace lacuna {
namespace {

// Results that do not fit an integer output saturate (found by the fuzzer: log(0) on int16).
TEST(Reduce, IntegerLogSumOfZerosSaturates) {
  const Tensor x = Tensor::from_vector<int16_t>({2, 2}, {0, 0, 1, 2});
  auto y = test::run_op(test::make_node("ReduceLogSum", 1, 1, {{"axes", ir::Attribute::of_ints({1})}, {"keepdims", ir::Attribute::of_int(0)}}), {x}, 17);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].data<int16_t>()[0], std::numeric_limits<int16_t>::lowest());
  EXPECT_EQ(y[0].data<int16_t>()[1], 1);  // log(3) = 1.09
}

}  // namespace
}  // namespace lacuna
