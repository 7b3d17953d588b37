// Concat and Split along one axis.
#include "core/small_vector.h"
#include "kernels/ref/concat.h"
#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class ConcatKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (ctx.num_inputs() < 1) return ctx.error("needs at least one input");
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
    }
    if (!attr("axis") && opset_ >= 4) return ctx.error("attribute 'axis' is required");
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("cannot concatenate scalars");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 1), r, node_));
    Shape out = ctx.shape(0);
    out[static_cast<size_t>(axis_)] = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Shape& s = ctx.shape(i);
      bool match = static_cast<int>(s.size()) == r;
      for (int d = 0; match && d < r; ++d) {
        if (d != axis_ && s[static_cast<size_t>(d)] != out[static_cast<size_t>(d)]) match = false;
      }
      if (!match) {
        return ctx.bad_input("input " + std::to_string(i) + " has shape " + shape_to_string(s) +
                             ", which does not match input 0's " + shape_to_string(ctx.shape(0)) +
                             " outside axis " + std::to_string(axis_));
      }
      out[static_cast<size_t>(axis_)] += s[static_cast<size_t>(axis_)];
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const int64_t outer = ref::split_at_axis(y.shape(), axis_).outer;
    SmallVector<int64_t, 16> chunks;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const ref::AxisSplit a = ref::split_at_axis(ctx.input(i).shape(), axis_);
      chunks.push_back(a.n * a.inner);
    }
    bool ok = ref::visit_storage(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      SmallVector<const T*, 16> xs;
      for (int i = 0; i < ctx.num_inputs(); ++i) xs.push_back(ctx.input(i).data<T>());
      ref::concat<T>(xs, chunks, outer, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, y.dtype());
  }

 private:
  int axis_ = 0;
};

class SplitKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const Shape& in = ctx.shape(0);
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("cannot split a scalar");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), r, node_));
    const int64_t dim = in[static_cast<size_t>(axis_)];
    const int n = ctx.num_outputs();
    if (n < 1) return ctx.error("needs at least one output");
    std::vector<int64_t> sizes;
    if (opset_ < 13 && attr("split")) {
      sizes = attr_ints("split");
    } else if ((opset_ >= 13 || opset_ < 2) && ctx.has_input(1)) {  // Split-1 also took an input
      const Tensor* s = ctx.value(1);
      if (!s) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(sizes, int_values(*s, node_ + ": split"));
    } else {
      if (opset_ >= 18 && attr("num_outputs") && attr_int("num_outputs", 0) != n) {
        return ctx.error("num_outputs does not match the number of outputs");
      }
      // Equal parts; from opset 18 the last part may be smaller.
      const int64_t part = opset_ >= 18 ? (dim + n - 1) / n : dim / n;
      if (opset_ < 18 && dim % n != 0) {
        return ctx.bad_input("dimension " + std::to_string(dim) + " does not split into " +
                             std::to_string(n) + " equal parts");
      }
      for (int i = 0; i < n; ++i) sizes.push_back(std::min(part, dim - part * i));
    }
    if (static_cast<int>(sizes.size()) != n) {
      return ctx.bad_input("split has " + std::to_string(sizes.size()) + " sizes for " +
                           std::to_string(n) + " outputs");
    }
    int64_t sum = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.bad_input("split sizes must not be negative");
      if (s > dim - sum) {
        sum = -1;
        break;
      }
      sum += s;
    }
    if (sum != dim) {
      return ctx.bad_input("split sizes do not add up to the dimension " + std::to_string(dim));
    }
    sizes_ = sizes;
    for (int i = 0; i < n; ++i) {
      if (!ctx.outputs[static_cast<size_t>(i)].wanted) continue;
      Shape s = in;
      s[static_cast<size_t>(axis_)] = sizes[static_cast<size_t>(i)];
      ctx.set_output(i, ctx.dtype(0), std::move(s));
    }
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const ref::AxisSplit a = ref::split_at_axis(x.shape(), axis_);
    SmallVector<int64_t, 16> chunks;
    for (int64_t s : sizes_) chunks.push_back(s * a.inner);
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      SmallVector<T*, 16> ys;
      for (int i = 0; i < ctx.num_outputs(); ++i) {
        ys.push_back(ctx.has_output(i) ? ctx.output(i).data<T>() : nullptr);
      }
      ref::split<T>(x.data<T>(), a.outer, chunks, ys);
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  int axis_ = 0;
  std::vector<int64_t> sizes_;
};

}  // namespace

void register_concat_split_ops(Registry& r) {
  r.add("", "Concat", make_impl<ConcatKernel>("concat_ref"), true);
  r.add("", "Split", make_impl<SplitKernel>("split_ref"), true);
}

}  // namespace lacuna::ops
