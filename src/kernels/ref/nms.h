// Reference greedy non-maximum suppression over batches and classes of scored boxes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

struct NmsParams {
  int64_t batches = 0;
  int64_t classes = 0;
  int64_t boxes = 0;
  // false: a box is two opposite corners (y1, x1, y2, x2) in either order;
  // true: (x_center, y_center, width, height).
  bool center_point_box = false;
  int64_t max_per_class = 0;
  float iou_threshold = 0.f;  // boxes overlapping a kept box by more than this are dropped
  bool has_score_threshold = false;
  float score_threshold = 0.f;  // only boxes scoring above it are candidates
};

// boxes: [batches, boxes, 4]; scores: [batches, classes, boxes]. Returns (batch, class, box)
// triples: per batch and class, the kept boxes in decreasing score order (ties by index).
std::vector<std::array<int64_t, 3>> non_max_suppression(const NmsParams& p, const float* boxes,
                                                        const float* scores);

}  // namespace lacuna::kernels::ref
