// Pad (every mode, opset variants, cropping), Tile and Expand.
#include "data_test_util.h"

namespace lacuna::test {
namespace {

const Tensor kX = f32({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});

TEST(DataPad, ConstantWithValueInput) {
  auto y = run_op(make_node("Pad", 3, 1), {kX, i64({4}, {0, 2, 0, 0}), f32({}, {9})});
  expect_equal(y[0], f32({3, 4}, {9, 9, 1.0f, 1.2f, 9, 9, 2.3f, 3.4f, 9, 9, 4.5f, 5.7f}));
  auto zero = run_op(omit_input(make_node("Pad", 3, 1), 2), {kX, i64({4}, {1, 0, 0, 0}), Tensor()});
  expect_equal(zero[0], f32({4, 2}, {0, 0, 1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}));
}

TEST(DataPad, ReflectAndEdgeMatchSpecExamples) {
  auto r = run_op(make_node("Pad", 2, 1, {{"mode", as("reflect")}}), {kX, i64({4}, {0, 2, 0, 0})});
  expect_equal(r[0], f32({3, 4}, {1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  auto e = run_op(make_node("Pad", 2, 1, {{"mode", as("edge")}}), {kX, i64({4}, {0, 2, 0, 0})});
  expect_equal(e[0], f32({3, 4}, {1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}));
  // Reflect further than one period: [1 2 3] padded by 4 on the left is 1 2 3 2 | 1 2 3.
  auto far = run_op(make_node("Pad", 2, 1, {{"mode", as("reflect")}}), {f32({3}, {1, 2, 3}), i64({2}, {4, 0})});
  expect_equal(far[0], f32({7}, {1, 2, 3, 2, 1, 2, 3}));
}

TEST(DataPad, NegativePadsCrop) {
  auto y = run_op(make_node("Pad", 2, 1), {kX, i64({4}, {-1, 0, 0, -1})});
  expect_equal(y[0], f32({2, 1}, {2.3f, 4.5f}));
}

TEST(DataPad, AttributesBeforeOpset11) {
  auto y = run_op(make_node("Pad", 1, 1, {{"pads", ais({0, 1, 0, 0})}, {"value", ir::Attribute::of_float(7)}}), {kX}, 2);
  expect_equal(y[0], f32({3, 3}, {7, 1.0f, 1.2f, 7, 2.3f, 3.4f, 7, 4.5f, 5.7f}));
  auto p1 = run_op(make_node("Pad", 1, 1, {{"paddings", ais({0, 0, 0, 1})}}), {kX}, 1);
  EXPECT_EQ(p1[0].shape(), (Shape{3, 3}));
}

TEST(DataPad, AxesInputFromOpset18AndIntegers) {
  auto y = run_op(make_node("Pad", 4, 1), {i64({2, 2}, {1, 2, 3, 4}), i64({2}, {1, 1}), i64({}, {-5}), i64({1}, {-1})}, 18);
  EXPECT_EQ(y[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(y[0].to_int64_vector(), (std::vector<int64_t>{-5, 1, 2, -5, -5, 3, 4, -5}));
}

TEST(DataPad, Errors) {
  expect_error(make_node("Pad", 2, 1), {kX, i64({3}, {0, 0, 0})});
  expect_error(make_node("Pad", 2, 1), {kX, i64({4}, {-4, 0, 0, 0})});
  expect_error(make_node("Pad", 2, 1, {{"mode", as("edge")}}), {Tensor(DType::kFloat32, {0}), i64({2}, {1, 0})});
  expect_error(make_node("Pad", 2, 1, {{"mode", as("mirror")}}), {kX, i64({4}, {0, 0, 0, 0})});
  expect_error(make_node("Pad", 3, 1), {kX, i64({4}, {0, 0, 0, 0}), i64({}, {1})});  // value dtype
}

TEST(DataTile, RepeatsEachDim) {
  auto y = run_op(make_node("Tile", 2, 1), {f32({2, 2}, {1, 2, 3, 4}), i64({2}, {2, 3})});
  ASSERT_EQ(y[0].shape(), (Shape{4, 6}));
  for (int64_t e = 0; e < y[0].numel(); ++e) {
    const auto i = unravel(e, {4, 6});
    EXPECT_EQ(y[0].data<float>()[e], static_cast<float>((i[0] % 2) * 2 + i[1] % 2 + 1)) << e;
  }
  auto none = run_op(make_node("Tile", 2, 1), {f32({2}, {1, 2}), i64({1}, {0})});
  EXPECT_EQ(none[0].shape(), (Shape{0}));
}

TEST(DataTile, Errors) {
  expect_error(make_node("Tile", 2, 1), {f32({2}, {1, 2}), i64({1}, {-1})});
  expect_error(make_node("Tile", 2, 1), {f32({2}, {1, 2}), i64({2}, {1, 1})});
  expect_error(make_node("Tile", 2, 1), {f32({2}, {1, 2}), i64({1}, {int64_t{1} << 62})});
}

TEST(DataExpand, BroadcastsBothWays) {
  auto y = run_op(make_node("Expand", 2, 1), {f32({3, 1}, {1, 2, 3}), i64({3}, {2, 1, 6})});
  ASSERT_EQ(y[0].shape(), (Shape{2, 3, 6}));
  for (int64_t e = 0; e < y[0].numel(); ++e) {
    EXPECT_EQ(y[0].data<float>()[e], static_cast<float>(unravel(e, {2, 3, 6})[1] + 1));
  }
  // A target dim of 1 keeps the input's larger dim.
  auto k = run_op(make_node("Expand", 2, 1), {f32({3, 1}, {1, 2, 3}), i64({2}, {1, 1})});
  expect_equal(k[0], f32({3, 1}, {1, 2, 3}));
}

TEST(DataExpand, Errors) {
  expect_error(make_node("Expand", 2, 1), {f32({3}, {1, 2, 3}), i64({1}, {2})});
  expect_error(make_node("Expand", 2, 1), {f32({3}, {1, 2, 3}), i64({1}, {-3})});
  expect_error(make_node("Expand", 2, 1), {f32({3}, {1, 2, 3}), i32({1}, {3})});
}

}  // namespace
}  // namespace lacuna::test
