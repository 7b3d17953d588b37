// Gather, GatherElements, GatherND, Scatter, ScatterElements and ScatterND: hand-computed cases
// from the ONNX operator descriptions, negative and int32 indices, reductions and range errors.
#include "data_test_util.h"

namespace lacuna::test {
namespace {

TEST(DataGather, Axis0And1WithNegativeAndInt32Indices) {
  Tensor x = f32({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  auto y = run_op(make_node("Gather", 2, 1), {x, i64({2, 2}, {0, 1, -2, 2})});
  expect_equal(y[0], f32({2, 2, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f}));
  auto z = run_op(make_node("Gather", 2, 1, {{"axis", ai(1)}}), {x, i32({1}, {-1})});
  expect_equal(z[0], f32({3, 1}, {1.2f, 3.4f, 5.7f}));
}

TEST(DataGather, ScalarIndexDropsTheAxis) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto y = run_op(make_node("Gather", 2, 1, {{"axis", ai(1)}}), {x, i64({}, {2})});
  expect_equal(y[0], f32({2}, {3, 6}));
  auto e = run_op(make_node("Gather", 2, 1), {x, i64({0}, {})});
  EXPECT_EQ(e[0].shape(), (Shape{0, 3}));
}

TEST(DataGather, OutOfRangeIndexIsAnErrorNamingTheNode) {
  Tensor x = f32({3}, {1, 2, 3});
  expect_error(make_node("Gather", 2, 1), {x, i64({1}, {3})});
  expect_error(make_node("Gather", 2, 1), {x, i32({1}, {-4})});
  expect_error(make_node("Gather", 2, 1), {Tensor(DType::kFloat32, {0}), i64({1}, {0})});
  expect_error(make_node("Gather", 2, 1), {x, f32({1}, {0})});
}

TEST(DataGatherElements, SpecExamples) {
  auto y = run_op(make_node("GatherElements", 2, 1, {{"axis", ai(1)}}),
                  {f32({2, 2}, {1, 2, 3, 4}), i64({2, 2}, {0, 0, 1, 0})});
  expect_equal(y[0], f32({2, 2}, {1, 1, 4, 3}));
  auto z = run_op(make_node("GatherElements", 2, 1),
                  {f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), i32({2, 3}, {1, 2, 0, 2, 0, -3})});
  expect_equal(z[0], f32({2, 3}, {4, 8, 3, 7, 2, 3}));
}

TEST(DataGatherElements, Errors) {
  Tensor x = f32({2, 2}, {1, 2, 3, 4});
  expect_error(make_node("GatherElements", 2, 1), {x, i64({1, 2}, {0, 2})});
  expect_error(make_node("GatherElements", 2, 1), {x, i64({2}, {0, 1})});
  expect_error(make_node("GatherElements", 2, 1), {x, i64({1, 3}, {0, 0, 0})});
}

TEST(DataGatherND, BatchDims0And1) {
  Tensor x = i32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  auto y = run_op(make_node("GatherND", 2, 1), {x, i64({2, 2}, {0, 1, 1, 0})});
  EXPECT_EQ(y[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(y[0].to_int64_vector(), (std::vector<int64_t>{2, 3, 4, 5}));
  auto z = run_op(make_node("GatherND", 2, 1, {{"batch_dims", ai(1)}}), {x, i64({2, 1}, {1, 0})});
  EXPECT_EQ(z[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(z[0].to_int64_vector(), (std::vector<int64_t>{2, 3, 4, 5}));
  auto full = run_op(make_node("GatherND", 2, 1), {x, i64({1, 3}, {-1, 1, -1})});
  EXPECT_EQ(full[0].shape(), (Shape{1}));
  EXPECT_EQ(full[0].to_int64_vector()[0], 7);
}

TEST(DataGatherND, Errors) {
  Tensor x = f32({2, 2}, {1, 2, 3, 4});
  expect_error(make_node("GatherND", 2, 1), {x, i64({1, 2}, {0, 2})});
  expect_error(make_node("GatherND", 2, 1), {x, i64({1, 3}, {0, 0, 0})});
  expect_error(make_node("GatherND", 2, 1, {{"batch_dims", ai(1)}}), {x, i64({3, 1}, {0, 0, 0})});
  expect_error(make_node("GatherND", 2, 1, {{"batch_dims", ai(2)}}), {x, i64({2, 1}, {0, 0})});
}

TEST(DataScatterElements, NoneAddMulWithNegativeIndices) {
  Tensor data = f32({1, 5}, {1, 2, 3, 4, 5});
  Tensor idx = i64({1, 2}, {1, -2});
  Tensor upd = f32({1, 2}, {1.1f, 2.1f});
  auto y = run_op(make_node("ScatterElements", 3, 1, {{"axis", ai(1)}}), {data, idx, upd});
  expect_equal(y[0], f32({1, 5}, {1, 1.1f, 3, 2.1f, 5}));
  Tensor dup = i64({1, 2}, {1, 1});
  auto add = run_op(make_node("ScatterElements", 3, 1, {{"axis", ai(1)}, {"reduction", as("add")}}), {data, dup, upd}, 16);
  expect_close(add[0], f32({1, 5}, {1, 5.2f, 3, 4, 5}));
  auto mul = run_op(make_node("ScatterElements", 3, 1, {{"axis", ai(1)}, {"reduction", as("mul")}}), {data, dup, upd}, 16);
  expect_close(mul[0], f32({1, 5}, {1, 2 * 1.1f * 2.1f, 3, 4, 5}));
  auto mx = run_op(make_node("ScatterElements", 3, 1, {{"axis", ai(1)}, {"reduction", as("max")}}), {data, dup, upd}, 18);
  expect_close(mx[0], f32({1, 5}, {1, 2.1f, 3, 4, 5}));
}

TEST(DataScatterElements, DeprecatedScatterAndAxis0) {
  Tensor data(DType::kFloat32, {3, 3});
  Tensor idx = i64({2, 3}, {1, 0, 2, 0, 2, 1});
  Tensor upd = f32({2, 3}, {1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f});
  auto y = run_op(make_node("Scatter", 3, 1), {data, idx, upd}, 9);
  expect_equal(y[0], f32({3, 3}, {2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f}));
}

TEST(DataScatterElements, Errors) {
  Tensor data = f32({2, 2}, {1, 2, 3, 4});
  expect_error(make_node("ScatterElements", 3, 1), {data, i64({1, 1}, {2}), f32({1, 1}, {9})});
  expect_error(make_node("ScatterElements", 3, 1), {data, i64({1, 1}, {0}), f32({1, 2}, {9, 9})});
  expect_error(make_node("ScatterElements", 3, 1), {data, i64({1, 1}, {0}), i64({1, 1}, {9})});
  expect_error(make_node("ScatterElements", 3, 1, {{"reduction", as("add")}}),
               {data, i64({1, 1}, {0}), f32({1, 1}, {9})}, 13);  // add needs opset 16
  expect_error(make_node("ScatterElements", 3, 1, {{"reduction", as("sum")}}),
               {data, i64({1, 1}, {0}), f32({1, 1}, {9})}, 16);
}

TEST(DataScatterND, SpecExamplesAndReductions) {
  Tensor data = f32({8}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor idx = i64({4, 1}, {4, 3, 1, 7});
  Tensor upd = f32({4}, {9, 10, 11, 12});
  auto y = run_op(make_node("ScatterND", 3, 1), {data, idx, upd});
  expect_equal(y[0], f32({8}, {1, 11, 3, 10, 9, 6, 7, 12}));
  Tensor dup = i64({2, 1}, {0, -8});
  auto add = run_op(make_node("ScatterND", 3, 1, {{"reduction", as("add")}}), {data, dup, f32({2}, {5, 6})}, 16);
  expect_equal(add[0], f32({8}, {12, 2, 3, 4, 5, 6, 7, 8}));
  auto mul = run_op(make_node("ScatterND", 3, 1, {{"reduction", as("mul")}}), {data, dup, f32({2}, {5, 6})}, 16);
  expect_equal(mul[0], f32({8}, {30, 2, 3, 4, 5, 6, 7, 8}));
  // Slices: replace rows of a 2-D tensor.
  auto rows = run_op(make_node("ScatterND", 3, 1), {f32({2, 2}, {1, 2, 3, 4}), i64({1, 1}, {1}), f32({1, 2}, {7, 8})});
  expect_equal(rows[0], f32({2, 2}, {1, 2, 7, 8}));
}

TEST(DataScatterND, Errors) {
  Tensor data = f32({4}, {1, 2, 3, 4});
  expect_error(make_node("ScatterND", 3, 1), {data, i64({1, 1}, {4}), f32({1}, {0})});
  expect_error(make_node("ScatterND", 3, 1), {data, i64({1, 1}, {0}), f32({2}, {0, 0})});
  expect_error(make_node("ScatterND", 3, 1), {data, i64({1, 2}, {0, 0}), f32({1}, {0})});
}

}  // namespace
}  // namespace lacuna::test
