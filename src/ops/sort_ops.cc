// Ordering operators: TopK (k is an attribute before opset 10, an input from then on) and Unique
// (sorted or in order of first occurrence, with all four outputs).
#include "core/dispatch.h"
#include "kernels/ref/gather.h"
#include "kernels/ref/sort.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class TopKKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const DType t = ctx.dtype(0);
    if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) return dtype_not_supported(t);
    if (opset_ < 10) {
      k_ = attr_int("k", -1);
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt64}));
      if (!ctx.value(1)) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(k_, int_scalar(*ctx.value(1), node_ + ": K"));
    }
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("input must have rank >= 1");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", -1), r, node_));
    Shape out = ctx.shape(0);
    const int64_t n = out[static_cast<size_t>(axis_)];
    if (k_ < 0 || k_ > n) {
      return ctx.bad_input("k = " + std::to_string(k_) + " is outside [0, " + std::to_string(n) + "]");
    }
    out[static_cast<size_t>(axis_)] = k_;
    ctx.set_output(0, t, out);
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) ctx.set_output(1, DType::kInt64, out);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& values = ctx.output(0);
    // The indices are computed even when the node drops them.
    std::vector<int64_t> scratch;
    int64_t* indices = nullptr;
    if (ctx.has_output(1)) {
      indices = ctx.output(1).data<int64_t>();
    } else {
      scratch.resize(static_cast<size_t>(values.numel()));
      indices = scratch.data();
    }
    const ref::AxisSplit a = ref::split_at_axis(x.shape(), axis_);
    const bool largest = opset_ < 11 || attr_int("largest", 1) != 0;
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::top_k(x.data<T>(), a.outer, a.n, a.inner, k_, largest, values.data<T>(), indices);
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  int64_t k_ = 0;
  int axis_ = 0;
};

class UniqueKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    has_axis_ = attr("axis") != nullptr;
    if (has_axis_) {
      if (ctx.rank(0) == 0) return ctx.bad_input("axis is set but the input is a scalar");
      LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), ctx.rank(0), node_));
    }
    for (int o = 0; o < ctx.num_outputs(); ++o) {
      if (ctx.outputs[static_cast<size_t>(o)].wanted) {
        ctx.set_output_deferred(o, o == 0 ? ctx.dtype(0) : DType::kInt64);
      }
    }
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    ref::AxisSplit a;
    if (has_axis_) a = ref::split_at_axis(x.shape(), axis_);
    else a.n = x.numel();
    const bool sorted = attr_int("sorted", 1) != 0;
    ref::UniqueResult u;
    auto find = [&](auto tag) {
      using T = typename decltype(tag)::type;
      u = ref::unique(x.data<T>(), a.outer, a.n, a.inner, sorted);
    };
    if (x.dtype() == DType::kString) find(TypeTag<std::string>{});
    else if (!visit_numeric(x.dtype(), find)) return dtype_error(node_, x.dtype());
    const auto count = static_cast<int64_t>(u.first.size());
    if (ctx.has_output(0)) {
      Shape ys = has_axis_ ? x.shape() : Shape{count};
      if (has_axis_) ys[static_cast<size_t>(axis_)] = count;
      LACUNA_RETURN_IF_ERROR(ctx.allocate_output(0, x.dtype(), ys));
      Tensor& y = ctx.output(0);
      Status s;
      ref::visit_storage(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        s = ref::gather(x.data<T>(), a.outer, a.n, a.inner, u.first.data(), count, y.data<T>());
      });
      LACUNA_RETURN_IF_ERROR(s.with_context(node_));
    }
    const std::vector<int64_t>* lists[] = {&u.first, &u.inverse, &u.counts};
    for (int o = 1; o < 4; ++o) {
      if (!ctx.has_output(o)) continue;
      const std::vector<int64_t>& v = *lists[o - 1];
      LACUNA_RETURN_IF_ERROR(ctx.allocate_output(o, DType::kInt64, {static_cast<int64_t>(v.size())}));
      std::copy(v.begin(), v.end(), ctx.output(o).data<int64_t>());
    }
    return Status::ok();
  }

 private:
  bool has_axis_ = false;
  int axis_ = 0;
};

}  // namespace

void register_sort_ops(Registry& r) {
  r.add("", "TopK", make_impl<TopKKernel>("topk_ref"));
  r.add("", "Unique", make_impl<UniqueKernel>("unique_ref"), true);
}

}  // namespace lacuna::ops
