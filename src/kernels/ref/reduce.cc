// Index planning for the reference reductions.
#include "kernels/ref/reduce.h"

namespace lacuna::kernels::ref {

namespace {

// Offsets of every index of the sub-shape made of the selected axes, row-major.
std::vector<int64_t> offsets_of(const Shape& shape, const std::vector<int64_t>& strides,
                                const std::vector<bool>& reduce_axis, bool select_reduced) {
  std::vector<int64_t> out{0};
  for (size_t d = 0; d < shape.size(); ++d) {
    if (reduce_axis[d] != select_reduced) continue;
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(shape[d]));
    for (int64_t base : out) {
      for (int64_t i = 0; i < shape[d]; ++i) next.push_back(base + i * strides[d]);
    }
    out = std::move(next);
  }
  return out;
}

}  // namespace

ReducePlan make_reduce_plan(const Shape& shape, const std::vector<bool>& reduce_axis) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  ReducePlan p;
  p.kept = offsets_of(shape, strides, reduce_axis, false);
  p.reduced = offsets_of(shape, strides, reduce_axis, true);
  return p;
}

}  // namespace lacuna::kernels::ref
