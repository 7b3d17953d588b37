// Range, EyeLike, OneHot, Trilu and CumSum against hand-computed values.
#include "data_test_util.h"

namespace lacuna::test {
namespace {

TEST(DataRange, FloatAndIntegerCounts) {
  auto f = run_op(make_node("Range", 3, 1), {f32({}, {1}), f32({}, {5}), f32({}, {1.5f})});
  expect_equal(f[0], f32({3}, {1, 2.5f, 4}));
  auto i = run_op(make_node("Range", 3, 1), {i32({}, {10}), i32({}, {6}), i32({}, {-3})});
  EXPECT_EQ(i[0].to_int64_vector(), (std::vector<int64_t>{10, 7}));
  auto none = run_op(make_node("Range", 3, 1), {i64({}, {3}), i64({}, {3}), i64({}, {1})});
  EXPECT_EQ(none[0].shape(), (Shape{0}));
  auto wide = run_op(make_node("Range", 3, 1),
                     {i64({}, {std::numeric_limits<int64_t>::min()}), i64({}, {std::numeric_limits<int64_t>::max()}),
                      i64({}, {std::numeric_limits<int64_t>::max()})});
  EXPECT_EQ(wide[0].shape(), (Shape{3}));
}

TEST(DataRange, Errors) {
  expect_error(make_node("Range", 3, 1), {f32({}, {1}), f32({}, {5}), f32({}, {0})});
  expect_error(make_node("Range", 3, 1), {f32({}, {1}), i64({}, {5}), f32({}, {1})});
  expect_error(make_node("Range", 3, 1), {f32({2}, {1, 1}), f32({}, {5}), f32({}, {1})});
  expect_error(make_node("Range", 3, 1), {i64({}, {0}), i64({}, {std::numeric_limits<int64_t>::max()}), i64({}, {1})});
}

TEST(DataEyeLike, DiagonalOffsetsAndDtype) {
  auto y = run_op(make_node("EyeLike", 1, 1, {{"k", ai(1)}}), {f32({3, 4}, std::vector<float>(12, 5))});
  expect_equal(y[0], f32({3, 4}, {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  auto z = run_op(make_node("EyeLike", 1, 1, {{"k", ai(-2)}, {"dtype", ai(7)}}), {f32({3, 2}, std::vector<float>(6))});
  ASSERT_EQ(z[0].dtype(), DType::kInt64);
  EXPECT_EQ(z[0].to_int64_vector(), (std::vector<int64_t>{0, 0, 0, 0, 1, 0}));
  expect_error(make_node("EyeLike", 1, 1), {f32({3}, {1, 2, 3})});
}

TEST(DataOneHot, AxesNegativeIndicesAndOutOfRange) {
  Tensor values = f32({2}, {0, 5});
  auto y = run_op(make_node("OneHot", 3, 1), {i64({3}, {0, -1, 7}), f32({}, {3}), values});
  expect_equal(y[0], f32({3, 3}, {5, 0, 0, 0, 0, 5, 0, 0, 0}));
  auto a0 = run_op(make_node("OneHot", 3, 1, {{"axis", ai(0)}}), {f32({2}, {1, 2}), i64({}, {3}), values});
  expect_equal(a0[0], f32({3, 2}, {0, 0, 5, 0, 0, 5}));
  auto s = run_op(make_node("OneHot", 3, 1), {i32({1}, {1}), i32({}, {2}), str({2}, {"off", "on"})});
  EXPECT_EQ(s[0].data<std::string>()[0], "off");
  EXPECT_EQ(s[0].data<std::string>()[1], "on");
}

TEST(DataOneHot, Errors) {
  Tensor values = f32({2}, {0, 1});
  expect_error(make_node("OneHot", 3, 1), {i64({1}, {0}), i64({}, {0}), values});
  expect_error(make_node("OneHot", 3, 1, {{"axis", ai(3)}}), {i64({1}, {0}), i64({}, {2}), values});
  expect_error(make_node("OneHot", 3, 1), {i64({1}, {0}), i64({}, {2}), f32({3}, {0, 1, 2})});
}

TEST(DataTrilu, UpperLowerAndOffsets) {
  Tensor x = f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto u = run_op(make_node("Trilu", 1, 1), {x});
  expect_equal(u[0], f32({3, 3}, {1, 2, 3, 0, 5, 6, 0, 0, 9}));
  auto l = run_op(make_node("Trilu", 2, 1, {{"upper", ai(0)}}), {x, i64({}, {-1})});
  expect_equal(l[0], f32({3, 3}, {0, 0, 0, 4, 0, 0, 7, 8, 0}));
  auto far = run_op(make_node("Trilu", 2, 1), {x, i64({}, {std::numeric_limits<int64_t>::min()})});
  expect_equal(far[0], x);
  auto batched = run_op(make_node("Trilu", 2, 1), {f32({2, 1, 2}, {1, 2, 3, 4}), i64({}, {1})});
  expect_equal(batched[0], f32({2, 1, 2}, {0, 2, 0, 4}));
  expect_error(make_node("Trilu", 1, 1), {f32({3}, {1, 2, 3})});
}

TEST(DataCumSum, ExclusiveReverseAndAxes) {
  Tensor x = f32({5}, {1, 2, 3, 4, 5});
  auto y = run_op(make_node("CumSum", 2, 1), {x, i32({}, {0})});
  expect_equal(y[0], f32({5}, {1, 3, 6, 10, 15}));
  auto ex = run_op(make_node("CumSum", 2, 1, {{"exclusive", ai(1)}}), {x, i64({}, {0})});
  expect_equal(ex[0], f32({5}, {0, 1, 3, 6, 10}));
  auto rv = run_op(make_node("CumSum", 2, 1, {{"reverse", ai(1)}}), {x, i64({}, {0})});
  expect_equal(rv[0], f32({5}, {15, 14, 12, 9, 5}));
  auto both = run_op(make_node("CumSum", 2, 1, {{"reverse", ai(1)}, {"exclusive", ai(1)}}), {x, i64({}, {0})});
  expect_equal(both[0], f32({5}, {14, 12, 9, 5, 0}));
  auto m = run_op(make_node("CumSum", 2, 1), {i64({2, 3}, {1, 2, 3, 4, 5, 6}), i64({}, {-1})});
  EXPECT_EQ(m[0].to_int64_vector(), (std::vector<int64_t>{1, 3, 6, 4, 9, 15}));
  expect_error(make_node("CumSum", 2, 1), {x, i64({}, {1})});
  expect_error(make_node("CumSum", 2, 1), {x, i64({2}, {0, 0})});
}

}  // namespace
}  // namespace lacuna::test
