// Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare and ArgMax/ArgMin.
// The axes are an attribute up to opset 12 (ReduceSum) / 17 (the others), an input afterwards.
#include "core/dispatch.h"
#include "kernels/ref/reduce.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;
using ref::ReduceKind;

// Which axes to reduce; empty `reduce` with `noop` true means the identity.
struct ReduceAxes {
  std::vector<bool> reduce;
  bool noop = false;
};

class ReduceKernel : public KernelBase {
 public:
  ReduceKernel(const ir::Node& n, int64_t opset, ReduceKind kind, int64_t axes_input_since)
      : KernelBase(n, opset), kind_(kind), axes_from_input_(opset >= axes_input_since) {}

  Status init() {
    keepdims_ = attr_int("keepdims", 1) != 0;
    noop_with_empty_axes_ = attr_int("noop_with_empty_axes", 0) != 0;
    if (!axes_from_input_) axes_attr_ = attr_ints("axes");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const DType t = ctx.dtype(0);
    if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) return dtype_not_supported(t);
    if (axes_from_input_ && ctx.has_input(1) && !ctx.value(1)) return ctx.needs_value(1);
    LACUNA_ASSIGN_OR_RETURN(ReduceAxes ax, resolve(ctx.shape(0), ctx.value(1)));
    const Shape& in = ctx.shape(0);
    if (ax.noop) {
      ctx.set_output(0, t, in);
      return Status::ok();
    }
    Shape out;
    for (size_t d = 0; d < in.size(); ++d) {
      if (!ax.reduce[d]) {
        out.push_back(in[d]);
      } else if (keepdims_) {
        out.push_back(1);
      }
    }
    ctx.set_output(0, t, std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const Tensor* axes = axes_from_input_ && ctx.has_input(1) ? &ctx.input(1) : nullptr;
    LACUNA_ASSIGN_OR_RETURN(ReduceAxes ax, resolve(x.shape(), axes));
    if (ax.noop) ax.reduce.assign(x.shape().size(), false);
    const ref::ReducePlan plan = ref::make_reduce_plan(x.shape(), ax.reduce);
    const ReduceKind kind = kind_;
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::reduce(x.data<T>(), plan, kind, y.data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  Expected<ReduceAxes> resolve(const Shape& in, const Tensor* axes_value) const {
    std::vector<int64_t> axes = axes_attr_;
    if (axes_from_input_ && axes_value) {
      LACUNA_ASSIGN_OR_RETURN(axes, int_values(*axes_value, node_ + ": axes"));
    }
    const int r = static_cast<int>(in.size());
    ReduceAxes ax;
    ax.reduce.assign(in.size(), axes.empty());
    if (axes.empty()) {
      ax.noop = noop_with_empty_axes_;
      return ax;
    }
    for (int64_t a : axes) {
      if (a < -r || a >= r) {
        return bad_input("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(r));
      }
      ax.reduce[static_cast<size_t>(a < 0 ? a + r : a)] = true;
    }
    return ax;
  }

  ReduceKind kind_;
  bool axes_from_input_;
  bool keepdims_ = true;
  bool noop_with_empty_axes_ = false;
  std::vector<int64_t> axes_attr_;
};

template <ReduceKind K, int64_t kAxesInputSince>
class ReduceOf : public ReduceKernel {
 public:
  ReduceOf(const ir::Node& n, int64_t opset) : ReduceKernel(n, opset, K, kAxesInputSince) {}
};

// ArgMax / ArgMin: int64 indices along one axis.
template <bool kMax>
class ArgKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    axis_ = attr_int("axis", 0);
    keepdims_ = attr_int("keepdims", 1) != 0;
    select_last_ = attr_int("select_last_index", 0) != 0;
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const DType t = ctx.dtype(0);
    if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) return dtype_not_supported(t);
    const Shape& in = ctx.shape(0);
    if (in.empty()) return ctx.bad_input("input must have rank >= 1");
    LACUNA_ASSIGN_OR_RETURN(int axis, normalize_axis(axis_, static_cast<int>(in.size()), node_));
    if (in[static_cast<size_t>(axis)] == 0) return ctx.bad_input("cannot take the arg of an empty axis");
    Shape out;
    for (size_t d = 0; d < in.size(); ++d) {
      if (static_cast<int>(d) != axis) {
        out.push_back(in[d]);
      } else if (keepdims_) {
        out.push_back(1);
      }
    }
    ctx.set_output(0, DType::kInt64, std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + x.rank() : axis_);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    int64_t* y = ctx.output(0).data<int64_t>();
    const bool last = select_last_;
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::arg_reduce(x.data<T>(), outer, x.dim(axis), inner, kMax, last, y);
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  int64_t axis_ = 0;
  bool keepdims_ = true;
  bool select_last_ = false;
};

}  // namespace

void register_reduce_ops(Registry& r) {
  r.add("", "ReduceSum", make_impl<ReduceOf<ReduceKind::kSum, 13>>("reduce_sum_ref"));
  r.add("", "ReduceMean", make_impl<ReduceOf<ReduceKind::kMean, 18>>("reduce_mean_ref"));
  r.add("", "ReduceMax", make_impl<ReduceOf<ReduceKind::kMax, 18>>("reduce_max_ref"));
  r.add("", "ReduceMin", make_impl<ReduceOf<ReduceKind::kMin, 18>>("reduce_min_ref"));
  r.add("", "ReduceProd", make_impl<ReduceOf<ReduceKind::kProd, 18>>("reduce_prod_ref"));
  r.add("", "ReduceL1", make_impl<ReduceOf<ReduceKind::kL1, 18>>("reduce_l1_ref"));
  r.add("", "ReduceL2", make_impl<ReduceOf<ReduceKind::kL2, 18>>("reduce_l2_ref"));
  r.add("", "ReduceLogSum", make_impl<ReduceOf<ReduceKind::kLogSum, 18>>("reduce_log_sum_ref"));
  r.add("", "ReduceLogSumExp", make_impl<ReduceOf<ReduceKind::kLogSumExp, 18>>("reduce_log_sum_exp_ref"));
  r.add("", "ReduceSumSquare", make_impl<ReduceOf<ReduceKind::kSumSquare, 18>>("reduce_sum_square_ref"));
  r.add("", "ArgMax", make_impl<ArgKernel<true>>("argmax_ref"));
  r.add("", "ArgMin", make_impl<ArgKernel<false>>("argmin_ref"));
}

}  // namespace lacuna::ops
