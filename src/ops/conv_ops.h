// Conv and ConvTranspose reference kernels (declared here so that optimized convolution
// kernels can derive from them and share their attribute handling and shape inference).
#pragma once

#include <algorithm>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/conv.h"
#include "ops/common.h"
#include "ops/fused_ops.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace conv_detail {
inline constexpr int64_t kMaxWorkspaceBytes = int64_t{1} << 34;
// Bounds that keep the output-size arithmetic far from int64 overflow.
inline constexpr int64_t kMaxExtent = int64_t{1} << 31;

}  // namespace conv_detail

// Shared checks of Conv and ConvTranspose: X and W float tensors of equal rank >= 3, and the
// optional bias a vector of the output channels.
class ConvBase : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    LACUNA_ASSIGN_OR_RETURN(attrs_.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
    attrs_.kernel_shape = attr_ints("kernel_shape");
    attrs_.strides = attr_ints("strides");
    attrs_.dilations = attr_ints("dilations");
    attrs_.pads = attr_ints("pads");
    groups_ = attr_int("group", 1);
    if (groups_ <= 0) return error("group must be positive");
    return Status::ok();
  }

 protected:
  Status check_inputs(InferContext& ctx) const {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    if (ctx.rank(0) < 3) return ctx.bad_input("X must have rank >= 3, got " + shape_to_string(ctx.shape(0)));
    if (ctx.rank(1) != ctx.rank(0)) {
      return ctx.bad_input("W " + shape_to_string(ctx.shape(1)) + " and X " +
                           shape_to_string(ctx.shape(0)) + " differ in rank");
    }
    const Shape& w = ctx.shape(1);
    std::vector<int64_t> kernel(w.begin() + 2, w.end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != kernel) {
      return ctx.bad_input("kernel_shape " + shape_to_string(attrs_.kernel_shape) +
                           " does not match W " + shape_to_string(w));
    }
    return Status::ok();
  }

  Status check_bias(InferContext& ctx, int64_t out_channels) const {
    if (!ctx.has_input(2)) return Status::ok();
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
    if (ctx.shape(2) != Shape{out_channels}) {
      return ctx.bad_input("B must have shape [" + std::to_string(out_channels) + "], got " +
                           shape_to_string(ctx.shape(2)));
    }
    return Status::ok();
  }

  // The kernels' scratch buffer is allocated per run; refuse sizes that cannot be allocated
  // (factors: the dimensions whose product bounds the buffer's element count).
  Status check_workspace(InferContext& ctx, std::vector<int64_t> factors) const {
    factors.push_back(static_cast<int64_t>(dtype_size(ctx.dtype(0))));
    auto bytes = checked_numel(factors);
    if (!bytes || *bytes > conv_detail::kMaxWorkspaceBytes) {
      return ctx.unsupported_here("the convolution's scratch buffer would be too large");
    }
    return Status::ok();
  }

  Status run_kernel(RunContext& ctx, bool transpose) const {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    Tensor& y = ctx.output(0);
    const size_t ws = transpose ? kernels::ref::conv_transpose_workspace_elems(params_)
                                : kernels::ref::conv_workspace_elems(params_);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T> workspace(ws);
      const T* bias = b ? b->data<T>() : nullptr;
      if (transpose) {
        kernels::ref::conv_transpose_forward<T>(params_, x.data<T>(), w.data<T>(), bias, y.data<T>(),
                                       workspace.data());
      } else {
        kernels::ref::conv_forward<T>(params_, x.data<T>(), w.data<T>(), bias, y.data<T>(), workspace.data());
      }
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

  WindowAttrs attrs_;
  int64_t groups_ = 1;
  kernels::ref::ConvParams params_;
};

class ConvKernel : public ConvBase {
 public:
  using ConvBase::ConvBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    const Shape& x = ctx.shape(0);
    const Shape& w = ctx.shape(1);
    const int64_t c = x[1], m = w[0];
    if (w[1] * groups_ != c) {
      return ctx.bad_input("W " + shape_to_string(w) + " with group " + std::to_string(groups_) +
                           " does not match " + std::to_string(c) + " input channels");
    }
    if (m % groups_ != 0) return ctx.bad_input("output channels are not divisible by group");
    LACUNA_RETURN_IF_ERROR(check_bias(ctx, m));
    WindowGeometry g;
    const std::vector<int64_t> in(x.begin() + 2, x.end());
    LACUNA_RETURN_IF_ERROR(window_geometry(attrs_, in, std::vector<int64_t>(w.begin() + 2, w.end()), node_, &g));
    params_ = kernels::ref::ConvParams{x[0], c, m, groups_, in, g.out, g.kernel, g.strides, g.dilations, g.pads_begin};
    Shape out = {x[0], m};
    out.insert(out.end(), g.out.begin(), g.out.end());
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    LACUNA_RETURN_IF_ERROR(check_workspace(ctx, {c / groups_, numel(g.kernel), g.out.back()}));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override { return run_kernel(ctx, false); }
};


// Conv plus lacuna:FusedConv's optional residual input Z (input 3) and activation; for a plain
// Conv node it behaves exactly like ConvKernel. Fast convolution kernels derive from it.
class FusedConvKernel : public ConvKernel {
 public:
  using ConvKernel::ConvKernel;
  Status init();
  Status infer(InferContext& ctx) override;
  Status run(RunContext& ctx) override;

 protected:
  ActivationSpec act_;
};

}  // namespace lacuna::ops
