// Slice: starts/ends/axes are attributes before opset 10 and inputs (with steps) from opset 10.
// Out-of-range starts and ends clamp as in numpy; negative steps walk backwards.
#include <limits>

#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Number of elements a slice [start, end) with `step` takes from a dim of size n; clamps start.
int64_t slice_count(int64_t* start, int64_t end, int64_t step, int64_t n) {
  int64_t s = *start;
  if (s < 0) s += n;
  if (end < 0) end += n;
  int64_t diff;
  if (step > 0) {
    s = std::clamp<int64_t>(s, 0, n);
    end = std::clamp<int64_t>(end, 0, n);
    diff = end - s;
  } else {
    s = std::clamp<int64_t>(s, 0, n - 1);
    end = std::clamp<int64_t>(end, -1, n - 1);
    diff = s - end;
  }
  *start = s;
  if (diff <= 0 || n == 0) return 0;
  if (step == std::numeric_limits<int64_t>::min()) return 1;
  const int64_t mag = step > 0 ? step : -step;
  return (diff - 1) / mag + 1;
}

class SliceKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    std::vector<int64_t> starts, ends, axes, steps;
    bool have_axes = false;
    if (opset_ < 10) {
      starts = attr_ints("starts");
      ends = attr_ints("ends");
      have_axes = attr("axes") != nullptr;
      axes = attr_ints("axes");
    } else {
      for (int i = 1; i <= 4; ++i) {
        if (i <= 2) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i));
        if (ctx.has_input(i) && !ctx.value(i)) return ctx.needs_value(i);
      }
      LACUNA_ASSIGN_OR_RETURN(starts, int_values(*ctx.value(1), node_ + ": starts"));
      LACUNA_ASSIGN_OR_RETURN(ends, int_values(*ctx.value(2), node_ + ": ends"));
      if (ctx.has_input(3)) {
        have_axes = true;
        LACUNA_ASSIGN_OR_RETURN(axes, int_values(*ctx.value(3), node_ + ": axes"));
      }
      if (ctx.has_input(4)) {
        LACUNA_ASSIGN_OR_RETURN(steps, int_values(*ctx.value(4), node_ + ": steps"));
      }
    }
    const Shape& in = ctx.shape(0);
    const int r = ctx.rank(0);
    if (!have_axes) {
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
      return ctx.bad_input("starts, ends, axes and steps must have the same length");
    }
    std::vector<int64_t> start(static_cast<size_t>(r), 0), step(static_cast<size_t>(r), 1);
    Shape out = in;
    std::vector<bool> seen(static_cast<size_t>(r), false);
    for (size_t i = 0; i < starts.size(); ++i) {
      LACUNA_ASSIGN_OR_RETURN(int a, tensor_axis(axes[i], r, node_));
      const auto d = static_cast<size_t>(a);
      if (seen[d]) return ctx.bad_input("axis " + std::to_string(axes[i]) + " is repeated");
      seen[d] = true;
      if (steps[i] == 0) return ctx.bad_input("steps must not be 0");
      start[d] = starts[i];
      step[d] = steps[i];
      out[d] = slice_count(&start[d], ends[i], steps[i], in[d]);
    }
    // Element offset of the first output element and the input stride of each output dim.
    const ref::DimVector xs = ref::dense_strides(in);
    base_ = 0;
    strides_.assign(static_cast<size_t>(r), 0);
    bool empty = false;
    for (size_t d = 0; d < static_cast<size_t>(r); ++d) {
      if (out[d] == 0) empty = true;
      base_ += start[d] * xs[d];
      if (out[d] > 1) strides_[d] = step[d] * xs[d];  // bounded: stays inside the input
    }
    if (empty) base_ = 0;
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::strided_copy(x.data<T>(), base_, y.shape(), strides_, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  int64_t base_ = 0;
  std::vector<int64_t> strides_;
};

}  // namespace

void register_slice_ops(Registry& r) { r.add("", "Slice", make_impl<SliceKernel>("slice_ref"), true); }

}  // namespace lacuna::ops
