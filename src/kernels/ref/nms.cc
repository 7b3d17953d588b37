// Greedy NMS: sort candidates by score, keep the best, drop what overlaps it, repeat.
#include "kernels/ref/nms.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lacuna::kernels::ref {

namespace {

struct Corners {
  float y1, x1, y2, x2;  // y1 <= y2, x1 <= x2
  float area() const { return (y2 - y1) * (x2 - x1); }
};

Corners corners(const float* b, bool center_point_box) {
  if (center_point_box) {
    const float hw = b[2] / 2, hh = b[3] / 2;
    return {b[1] - hh, b[0] - hw, b[1] + hh, b[0] + hw};
  }
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

// Intersection over union; 0 for degenerate boxes so that they never suppress anything.
float iou(const Corners& a, const Corners& b) {
  const float aa = a.area(), ab = b.area();
  if (!(aa > 0.f) || !(ab > 0.f)) return 0.f;
  const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (ih <= 0.f || iw <= 0.f) return 0.f;
  const float inter = ih * iw;
  return inter / (aa + ab - inter);
}

}  // namespace

std::vector<std::array<int64_t, 3>> non_max_suppression(const NmsParams& p, const float* boxes,
                                                        const float* scores) {
  std::vector<std::array<int64_t, 3>> out;
  if (p.max_per_class <= 0) return out;
  std::vector<Corners> c(static_cast<size_t>(p.boxes));
  std::vector<int64_t> order, kept;
  for (int64_t b = 0; b < p.batches; ++b) {
    for (int64_t i = 0; i < p.boxes; ++i)
      c[static_cast<size_t>(i)] = corners(boxes + (b * p.boxes + i) * 4, p.center_point_box);
    for (int64_t k = 0; k < p.classes; ++k) {
      const float* s = scores + (b * p.classes + k) * p.boxes;
      order.clear();
      for (int64_t i = 0; i < p.boxes; ++i) {
        if (std::isnan(s[i])) continue;  // unordered: would break the sort
        if (!p.has_score_threshold || s[i] > p.score_threshold) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return s[x] > s[y]; });
      kept.clear();
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= p.max_per_class) break;
        bool suppressed = false;
        for (int64_t j : kept) {
          if (iou(c[static_cast<size_t>(i)], c[static_cast<size_t>(j)]) > p.iou_threshold) {
            suppressed = true;
            break;
          }
        }
        if (!suppressed) {
          kept.push_back(i);
          out.push_back({b, k, i});
        }
      }
    }
  }
  return out;
}

}  // namespace lacuna::kernels::ref
