// NonMaxSuppression against hand-worked selections: overlap and score thresholds, limits,
// flipped and center-format boxes, several classes and batches, and bad inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor selected(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size() / 3);
  return Tensor::from_vector<int64_t>({n, 3}, v);
}

// Corner boxes: 1 overlaps 0 by IoU 0.818, 2 is apart, 3 is box 0 with flipped corners.
const Tensor kBoxes = f32({1, 4, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3, 1, 1, 0, 0});
const Tensor kScores = f32({1, 1, 4}, {0.9f, 0.8f, 0.7f, 0.6f});

std::vector<Tensor> nms(const Tensor& boxes, const Tensor& scores, int64_t max_out, float iou,
                        float score = -1, ir::Attributes attrs = {}) {
  std::vector<Tensor> in = {boxes, scores, Tensor::from_vector<int64_t>({1}, {max_out}), f32({1}, {iou})};
  if (score >= 0) in.push_back(f32({1}, {score}));
  return run_op(make_node("NonMaxSuppression", static_cast<int>(in.size()), 1, std::move(attrs)), in);
}

TEST(NmsRef, SuppressesOverlapsAboveTheThreshold) {
  expect_equal(nms(kBoxes, kScores, 10, 0.5f)[0], selected({0, 0, 0, 0, 0, 2}));
  expect_equal(nms(kBoxes, kScores, 10, 0.9f)[0], selected({0, 0, 0, 0, 0, 1, 0, 0, 2}));
}

TEST(NmsRef, LimitsAndScoreThreshold) {
  expect_equal(nms(kBoxes, kScores, 1, 0.5f)[0], selected({0, 0, 0}));
  expect_equal(nms(kBoxes, kScores, 10, 0.5f, 0.75f)[0], selected({0, 0, 0}));
  auto none = nms(kBoxes, kScores, 0, 0.5f);
  EXPECT_EQ(none[0].shape(), (Shape{0, 3}));
  // Without the optional inputs nothing is selected (max_output_boxes_per_class defaults to 0).
  auto bare = run_op(make_node("NonMaxSuppression", 2, 1), {kBoxes, kScores});
  EXPECT_EQ(bare[0].shape(), (Shape{0, 3}));
}

TEST(NmsRef, CenterPointBoxes) {
  // The same boxes as kBoxes, as (x_center, y_center, width, height).
  Tensor centers = f32({1, 4, 4}, {0.5f, 0.5f, 1, 1, 0.6f, 0.5f, 1, 1, 2.5f, 0.5f, 1, 1, 0.5f, 0.5f, 1, 1});
  expect_equal(nms(centers, kScores, 10, 0.5f, -1, {{"center_point_box", ir::Attribute::of_int(1)}})[0],
               selected({0, 0, 0, 0, 0, 2}));
}

TEST(NmsRef, ClassesAndBatchesAreIndependent) {
  Tensor boxes = f32({2, 4, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3, 1, 1, 0, 0,
                                 0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3, 1, 1, 0, 0});
  // Class 1 prefers box 3 (overlapping 0 and 1) then box 2; batch 1 repeats batch 0.
  Tensor scores = f32({2, 2, 4}, {0.9f, 0.8f, 0.7f, 0.6f, 0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.8f, 0.7f, 0.6f,
                                  0.1f, 0.2f, 0.3f, 0.4f});
  expect_equal(nms(boxes, scores, 10, 0.5f)[0],
               selected({0, 0, 0, 0, 0, 2, 0, 1, 3, 0, 1, 2, 1, 0, 0, 1, 0, 2, 1, 1, 3, 1, 1, 2}));
}

TEST(NmsRef, EqualScoresKeepIndexOrderAndNanScoresAreIgnored) {
  Tensor scores = f32({1, 1, 4}, {0.5f, std::nanf(""), 0.5f, 0.5f});
  expect_equal(nms(kBoxes, scores, 10, 0.5f)[0], selected({0, 0, 0, 0, 0, 2}));
}

TEST(NmsRef, BadInputsAreErrors) {
  auto node = make_node("NonMaxSuppression", 4, 1);
  const Tensor max_out = Tensor::from_vector<int64_t>({1}, {3});
  EXPECT_FALSE(
      try_run_op(node, {f32({1, 4, 3}, std::vector<float>(12)), kScores, max_out, f32({1}, {0.5f})}).is_ok());
  EXPECT_FALSE(try_run_op(node, {kBoxes, f32({1, 1, 3}, {1, 2, 3}), max_out, f32({1}, {0.5f})}).is_ok());
  EXPECT_FALSE(try_run_op(node, {kBoxes, kScores, max_out, f32({1}, {1.5f})}).is_ok());
  EXPECT_FALSE(
      try_run_op(node, {kBoxes, kScores, Tensor::from_vector<int64_t>({2}, {1, 2}), f32({1}, {0.5f})})
          .is_ok());
}

}  // namespace
}  // namespace lacuna::test
