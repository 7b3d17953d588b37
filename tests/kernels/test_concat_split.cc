// Concat, Split and Slice against hand-computed values, opset variants and bad input.
#include <limits>

#include "data_test_util.h"

namespace lacuna::test {
namespace {

TEST(DataConcat, AlongEachAxisAndNegative) {
  Tensor a = f32({2, 2}, {1, 2, 3, 4});
  Tensor b = f32({2, 1}, {5, 6});
  auto y = run_op(make_node("Concat", 2, 1, {{"axis", ai(1)}}), {a, b});
  expect_equal(y[0], f32({2, 3}, {1, 2, 5, 3, 4, 6}));
  auto z = run_op(make_node("Concat", 2, 1, {{"axis", ai(-2)}}), {a, f32({1, 2}, {7, 8})});
  expect_equal(z[0], f32({3, 2}, {1, 2, 3, 4, 7, 8}));
}

TEST(DataConcat, EmptyInputsAndStrings) {
  auto y = run_op(make_node("Concat", 3, 1, {{"axis", ai(0)}}),
                  {f32({0, 2}, {}), f32({1, 2}, {1, 2}), f32({0, 2}, {})});
  expect_equal(y[0], f32({1, 2}, {1, 2}));
  auto s = run_op(make_node("Concat", 2, 1, {{"axis", ai(0)}}), {str({1}, {"x"}), str({2}, {"y", "z"})});
  ASSERT_EQ(s[0].numel(), 3);
  EXPECT_EQ(s[0].data<std::string>()[2], "z");
}

TEST(DataConcat, Errors) {
  expect_error(make_node("Concat", 2, 1, {{"axis", ai(0)}}), {f32({2, 2}, {1, 2, 3, 4}), f32({2, 3}, {})});
  expect_error(make_node("Concat", 2, 1, {{"axis", ai(2)}}), {f32({2}, {1, 2}), f32({2}, {1, 2})});
  expect_error(make_node("Concat", 2, 1, {{"axis", ai(0)}}), {f32({2}, {1, 2}), i64({2}, {1, 2})});
  expect_error(make_node("Concat", 2, 1), {f32({2}, {1, 2}), f32({2}, {1, 2})});  // axis required
}

TEST(DataSplit, EqualPartsAndSizesAsAttributeOrInput) {
  Tensor x = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto eq = run_op(make_node("Split", 1, 2, {{"axis", ai(1)}}), {x});
  ASSERT_EQ(eq.size(), 2u);
  expect_equal(eq[0], f32({2, 2}, {1, 2, 5, 6}));
  expect_equal(eq[1], f32({2, 2}, {3, 4, 7, 8}));
  auto attr = run_op(make_node("Split", 1, 2, {{"axis", ai(-1)}, {"split", ais({1, 3})}}), {x}, 11);
  expect_equal(attr[0], f32({2, 1}, {1, 5}));
  expect_equal(attr[1], f32({2, 3}, {2, 3, 4, 6, 7, 8}));
  auto in = run_op(make_node("Split", 2, 3, {{"axis", ai(1)}}), {x, i64({3}, {0, 3, 1})}, 13);
  EXPECT_EQ(in[0].shape(), (Shape{2, 0}));
  expect_equal(in[1], f32({2, 3}, {1, 2, 3, 5, 6, 7}));
  expect_equal(in[2], f32({2, 1}, {4, 8}));
}

TEST(DataSplit, UnevenLastPartFromOpset18) {
  Tensor x = f32({5}, {1, 2, 3, 4, 5});
  auto y = run_op(make_node("Split", 1, 2, {{"num_outputs", ai(2)}}), {x}, 18);
  expect_equal(y[0], f32({3}, {1, 2, 3}));
  expect_equal(y[1], f32({2}, {4, 5}));
  expect_error(make_node("Split", 1, 2), {x}, 13);  // 5 does not split evenly before opset 18
}

TEST(DataSplit, Errors) {
  Tensor x = f32({4}, {1, 2, 3, 4});
  expect_error(make_node("Split", 2, 2), {x, i64({2}, {1, 2})}, 13);
  expect_error(make_node("Split", 2, 2), {x, i64({2}, {5, -1})}, 13);
  expect_error(make_node("Split", 2, 2), {x, i64({2}, {std::numeric_limits<int64_t>::max(), 1})}, 13);
  expect_error(make_node("Split", 2, 2), {x, i64({3}, {1, 1, 2})}, 13);
  expect_error(make_node("Split", 1, 2, {{"axis", ai(3)}}), {x});
}

TEST(DataSlice, StartsEndsAxesSteps) {
  Tensor x = f32({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  auto y = run_op(make_node("Slice", 5, 1), {x, i64({2}, {0, 1}), i64({2}, {2, 4}), i64({2}, {0, 1}), i64({2}, {1, 2})});
  expect_equal(y[0], f32({2, 2}, {1, 3, 5, 7}));
  // Default axes and steps; ends past the dim clamp.
  auto d = run_op(omit_input(omit_input(make_node("Slice", 5, 1), 3), 4),
                  {x, i64({1}, {1}), i64({1}, {1000}), Tensor(), Tensor()});
  expect_equal(d[0], f32({2, 4}, {4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST(DataSlice, NegativeStepsAndClamping) {
  Tensor x = f32({5}, {0, 1, 2, 3, 4});
  auto rev = run_op(make_node("Slice", 5, 1),
                    {x, i64({1}, {-1}), i64({1}, {std::numeric_limits<int64_t>::min()}), i64({1}, {0}), i64({1}, {-1})});
  expect_equal(rev[0], f32({5}, {4, 3, 2, 1, 0}));
  auto step = run_op(make_node("Slice", 5, 1), {x, i64({1}, {10}), i64({1}, {0}), i64({1}, {0}), i64({1}, {-2})});
  expect_equal(step[0], f32({2}, {4, 2}));
  auto none = run_op(make_node("Slice", 3, 1), {x, i64({1}, {3}), i64({1}, {1})});
  EXPECT_EQ(none[0].shape(), (Shape{0}));
  auto big = run_op(make_node("Slice", 5, 1),
                    {x, i64({1}, {0}), i64({1}, {5}), i64({1}, {0}), i64({1}, {std::numeric_limits<int64_t>::max()})});
  expect_equal(big[0], f32({1}, {0}));
}

TEST(DataSlice, Int32InputsNegativeAxesAndStrings) {
  Tensor x = str({2, 3}, {"a", "b", "c", "d", "e", "f"});
  auto y = run_op(make_node("Slice", 4, 1), {x, i32({1}, {1}), i32({1}, {3}), i32({1}, {-1})});
  ASSERT_EQ(y[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(y[0].data<std::string>()[0], "b");
  EXPECT_EQ(y[0].data<std::string>()[3], "f");
}

TEST(DataSlice, Opset1Attributes) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto y = run_op(make_node("Slice", 1, 1, {{"starts", ais({1})}, {"ends", ais({3})}, {"axes", ais({1})}}), {x}, 9);
  expect_equal(y[0], f32({2, 2}, {2, 3, 5, 6}));
}

TEST(DataSlice, Errors) {
  Tensor x = f32({4}, {1, 2, 3, 4});
  expect_error(make_node("Slice", 5, 1), {x, i64({1}, {0}), i64({1}, {2}), i64({1}, {0}), i64({1}, {0})});
  expect_error(make_node("Slice", 4, 1), {x, i64({1}, {0}), i64({1}, {2}), i64({1}, {1})});
  expect_error(make_node("Slice", 3, 1), {x, i64({2}, {0, 0}), i64({1}, {2})});
  expect_error(make_node("Slice", 4, 1), {f32({2, 2}, {1, 2, 3, 4}), i64({2}, {0, 0}), i64({2}, {1, 1}), i64({2}, {0, -2})});
}

}  // namespace
}  // namespace lacuna::test
