// TopK, Unique, Compress, NonZero and ReverseSequence: ordering, ties, all outputs and errors.
#include <algorithm>
#include <numeric>

#include "data_test_util.h"

namespace lacuna::test {
namespace {

TEST(DataTopK, LargestSmallestAndTiesByIndex) {
  Tensor x = f32({2, 4}, {1, 3, 3, 2, 5, 5, 5, 0});
  auto y = run_op(make_node("TopK", 2, 2), {x, i64({1}, {2})});
  expect_equal(y[0], f32({2, 2}, {3, 3, 5, 5}));
  EXPECT_EQ(y[1].to_int64_vector(), (std::vector<int64_t>{1, 2, 0, 1}));
  auto s = run_op(make_node("TopK", 2, 2, {{"largest", ai(0)}, {"axis", ai(0)}}), {x, i64({1}, {1})});
  expect_equal(s[0], f32({1, 4}, {1, 3, 3, 0}));
  EXPECT_EQ(s[1].to_int64_vector(), (std::vector<int64_t>{0, 0, 0, 1}));
  auto old = run_op(make_node("TopK", 1, 2, {{"k", ai(1)}}), {x}, 1);
  EXPECT_EQ(old[1].to_int64_vector(), (std::vector<int64_t>{1, 0}));
  auto zero = run_op(make_node("TopK", 2, 2), {x, i64({1}, {0})});
  EXPECT_EQ(zero[0].shape(), (Shape{2, 0}));
}

TEST(DataTopK, RandomMatchesSorting) {
  Tensor x = random_tensor(DType::kFloat32, {3, 50}, 11);
  auto y = run_op(make_node("TopK", 2, 2), {x, i64({1}, {10})});
  for (int r = 0; r < 3; ++r) {
    std::vector<float> row(x.data<float>() + r * 50, x.data<float>() + (r + 1) * 50);
    std::sort(row.begin(), row.end(), std::greater<float>());
    for (int j = 0; j < 10; ++j) {
      EXPECT_EQ(y[0].data<float>()[r * 10 + j], row[static_cast<size_t>(j)]);
      EXPECT_EQ(x.data<float>()[r * 50 + y[1].data<int64_t>()[r * 10 + j]], row[static_cast<size_t>(j)]);
    }
  }
}

TEST(DataTopK, Errors) {
  Tensor x = f32({3}, {1, 2, 3});
  expect_error(make_node("TopK", 2, 2), {x, i64({1}, {4})});
  expect_error(make_node("TopK", 2, 2), {x, i64({1}, {-1})});
  expect_error(make_node("TopK", 2, 2, {{"axis", ai(1)}}), {x, i64({1}, {1})});
  expect_error(make_node("TopK", 2, 2), {x, i64({2}, {1, 1})});
}

TEST(DataUnique, SortedAndUnsortedWithAllOutputs) {
  Tensor x = f32({6}, {2, 1, 1, 3, 4, 3});
  auto s = run_op(make_node("Unique", 1, 4), {x});
  ASSERT_EQ(s.size(), 4u);
  expect_equal(s[0], f32({4}, {1, 2, 3, 4}));
  EXPECT_EQ(s[1].to_int64_vector(), (std::vector<int64_t>{1, 0, 3, 4}));
  EXPECT_EQ(s[2].to_int64_vector(), (std::vector<int64_t>{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(s[3].to_int64_vector(), (std::vector<int64_t>{2, 1, 2, 1}));
  auto u = run_op(make_node("Unique", 1, 4, {{"sorted", ai(0)}}), {x});
  expect_equal(u[0], f32({4}, {2, 1, 3, 4}));
  EXPECT_EQ(u[1].to_int64_vector(), (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(u[2].to_int64_vector(), (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ(u[3].to_int64_vector(), (std::vector<int64_t>{1, 2, 2, 1}));
}

TEST(DataUnique, AlongAnAxisAndStrings) {
  Tensor x = f32({3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 4});
  auto y = run_op(make_node("Unique", 1, 4, {{"axis", ai(0)}}), {x});
  expect_equal(y[0], f32({2, 3}, {1, 0, 0, 2, 3, 4}));
  EXPECT_EQ(y[2].to_int64_vector(), (std::vector<int64_t>{0, 0, 1}));
  auto c = run_op(make_node("Unique", 1, 1, {{"axis", ai(-1)}}), {f32({2, 3}, {2, 1, 2, 5, 4, 5})});
  expect_equal(c[0], f32({2, 2}, {1, 2, 4, 5}));
  auto s = run_op(make_node("Unique", 1, 1), {str({3}, {"b", "a", "b"})});
  ASSERT_EQ(s[0].numel(), 2);
  EXPECT_EQ(s[0].data<std::string>()[0], "a");
  auto e = run_op(make_node("Unique", 1, 4), {Tensor(DType::kFloat32, {0})});
  EXPECT_EQ(e[0].numel(), 0);
  expect_error(make_node("Unique", 1, 1, {{"axis", ai(2)}}), {x});
}

TEST(DataCompress, WithAndWithoutAxis) {
  Tensor x = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  auto a0 = run_op(make_node("Compress", 2, 1, {{"axis", ai(0)}}), {x, boolean({3}, {false, true, true})});
  expect_equal(a0[0], f32({2, 2}, {3, 4, 5, 6}));
  auto a1 = run_op(make_node("Compress", 2, 1, {{"axis", ai(-1)}}), {x, boolean({1}, {true})});
  expect_equal(a1[0], f32({3, 1}, {1, 3, 5}));
  auto flat = run_op(make_node("Compress", 2, 1), {x, boolean({5}, {false, true, false, false, true})});
  expect_equal(flat[0], f32({2}, {2, 5}));
  expect_error(make_node("Compress", 2, 1, {{"axis", ai(0)}}), {x, boolean({4}, {false, false, false, true})});
  expect_error(make_node("Compress", 2, 1), {x, f32({1}, {1})});
}

TEST(DataNonZero, CoordinatesInRowMajorOrder) {
  auto y = run_op(make_node("NonZero", 1, 1), {f32({2, 2}, {1, 0, 1, 1})});
  ASSERT_EQ(y[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(y[0].to_int64_vector(), (std::vector<int64_t>{0, 1, 1, 0, 0, 1}));
  auto none = run_op(make_node("NonZero", 1, 1), {boolean({3}, {false, false, false})});
  EXPECT_EQ(none[0].shape(), (Shape{1, 0}));
  auto scalar = run_op(make_node("NonZero", 1, 1), {i32({}, {4})});
  EXPECT_EQ(scalar[0].shape(), (Shape{1, 1}));
}

TEST(DataReverseSequence, TimeAndBatchMajor) {
  Tensor x = f32({4, 2}, {0, 4, 1, 5, 2, 6, 3, 7});  // time-major: column b is batch entry b
  auto y = run_op(make_node("ReverseSequence", 2, 1), {x, i64({2}, {4, 2})});
  expect_equal(y[0], f32({4, 2}, {3, 5, 2, 4, 1, 6, 0, 7}));
  auto b = run_op(make_node("ReverseSequence", 2, 1, {{"time_axis", ai(1)}, {"batch_axis", ai(0)}}),
                  {f32({2, 3}, {1, 2, 3, 4, 5, 6}), i32({2}, {1, 3})});
  expect_equal(b[0], f32({2, 3}, {1, 2, 3, 6, 5, 4}));
  expect_error(make_node("ReverseSequence", 2, 1), {x, i64({2}, {5, 1})});
  expect_error(make_node("ReverseSequence", 2, 1), {x, i64({3}, {1, 1, 1})});
  expect_error(make_node("ReverseSequence", 2, 1, {{"time_axis", ai(1)}}), {x, i64({2}, {1, 1})});
}

}  // namespace
}  // namespace lacuna::test
