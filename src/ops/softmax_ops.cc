// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at `axis`
// (default 1) and normalized over the flattened trailing block; from opset 13 one axis
// (default -1) is normalized.
#include "core/dispatch.h"
#include "kernels/ref/softmax.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

template <ref::SoftmaxKind kKind>
class SoftmaxKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    const int r = ctx.rank(0);
    const bool coerce_2d = opset_ < 13;
    const int64_t axis_attr = attr_int("axis", coerce_2d ? 1 : -1);
    // A scalar is treated as a one-element vector.
    int axis = 0;
    if (r > 0 || axis_attr != 0) {
      if (coerce_2d && axis_attr == r && r > 0) {
        axis = r;  // legal before opset 13: everything is "outer"
      } else {
        LACUNA_ASSIGN_OR_RETURN(axis, normalize_axis(axis_attr, std::max(r, 1), node_));
      }
    }
    outer_ = 1;
    mid_ = 1;
    inner_ = 1;
    for (int d = 0; d < r; ++d) {
      const int64_t n = x[static_cast<size_t>(d)];
      if (d < axis) {
        outer_ *= n;
      } else if (d == axis || coerce_2d) {
        mid_ *= n;
      } else {
        inner_ *= n;
      }
    }
    ctx.set_output(0, ctx.dtype(0), x);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::softmax<T>(kKind, x.data<T>(), outer_, mid_, inner_, ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  int64_t outer_ = 1, mid_ = 1, inner_ = 1;
};

}  // namespace

void register_softmax_ops(Registry& r) {
  r.add("", "Softmax", make_impl<SoftmaxKernel<ref::SoftmaxKind::kSoftmax>>("softmax_ref"));
  r.add("", "LogSoftmax", make_impl<SoftmaxKernel<ref::SoftmaxKind::kLogSoftmax>>("log_softmax_ref"));
  r.add("", "Hardmax", make_impl<SoftmaxKernel<ref::SoftmaxKind::kHardmax>>("hardmax_ref"));
}

}  // namespace lacuna::ops
