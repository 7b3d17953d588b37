// CumSum along an axis given as an input tensor, optionally exclusive and/or reversed.
#include "core/dispatch.h"
#include "kernels/ref/cumsum.h"
#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class CumSumKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    const DType t = ctx.dtype(0);
    if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) return dtype_not_supported(t);
    if (ctx.rank(0) == 0) return ctx.bad_input("input must have rank >= 1");
    ctx.set_output(0, t, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    auto axis_value = int_scalar(ctx.input(1), node_ + ": axis");
    if (!axis_value) return axis_value.status();
    auto axis = tensor_axis(*axis_value, x.rank(), node_);
    if (!axis) return axis.status();
    const ref::AxisSplit a = ref::split_at_axis(x.shape(), *axis);
    const bool exclusive = attr_int("exclusive", 0) != 0;
    const bool reverse = attr_int("reverse", 0) != 0;
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::cumsum(x.data<T>(), a.outer, a.n, a.inner, exclusive, reverse, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }
};

}  // namespace

void register_cumsum_ops(Registry& r) { r.add("", "CumSum", make_impl<CumSumKernel>("cumsum_ref")); }

}  // namespace lacuna::ops
