// Conv and ConvTranspose: attribute handling, shape inference and validation around the
// reference convolution kernels.
#include <algorithm>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/conv.h"
#include "ops/conv_ops.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class ConvTransposeKernel : public ConvBase {
 public:
  using ConvBase::ConvBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    const Shape& x = ctx.shape(0);
    const Shape& w = ctx.shape(1);
    const int64_t c = x[1];
    if (w[0] != c) {
      return ctx.bad_input("W " + shape_to_string(w) + " does not match " + std::to_string(c) +
                           " input channels");
    }
    if (c % groups_ != 0) return ctx.bad_input("input channels are not divisible by group");
    const int64_t m = w[1] * groups_;
    LACUNA_RETURN_IF_ERROR(check_bias(ctx, m));
    const size_t nd = x.size() - 2;
    const std::vector<int64_t> in(x.begin() + 2, x.end());
    const std::vector<int64_t> kernel(w.begin() + 2, w.end());
    // The window geometry helper validates strides/dilations/pads; the output size rule of the
    // transposed convolution is applied below.
    WindowAttrs wa = attrs_;
    wa.auto_pad = AutoPad::kNotSet;
    WindowGeometry g;
    std::vector<int64_t> unit(nd, 1);
    wa.pads.clear();
    LACUNA_RETURN_IF_ERROR(window_geometry(wa, unit, unit, node_, &g));
    std::vector<int64_t> out_pad = attr_ints("output_padding");
    if (out_pad.empty()) out_pad.assign(nd, 0);
    std::vector<int64_t> out_shape = attr_ints("output_shape");
    if (out_shape.size() == nd + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    if (out_pad.size() != nd) return ctx.error("output_padding must have one value per spatial dimension");
    if (!out_shape.empty() && out_shape.size() != nd) {
      return ctx.error("output_shape must have one value per spatial dimension");
    }
    const std::vector<int64_t>& pads = attrs_.pads;
    if (!pads.empty() && pads.size() != 2 * nd) return ctx.error("pads must have 2 values per spatial dimension");
    std::vector<int64_t> pb(nd, 0), pe(nd, 0), out(nd, 0);
    for (size_t d = 0; d < nd; ++d) {
      const int64_t s = g.strides[d];
      if (kernel[d] <= 0) return ctx.bad_input("W has an empty kernel dimension");
      if (kernel[d] > conv_detail::kMaxExtent || in[d] > conv_detail::kMaxExtent) return ctx.bad_input("spatial size too large");
      if (out_pad[d] < 0 || out_pad[d] >= std::max(s, g.dilations[d])) {
        return ctx.error("output_padding must be in [0, max(stride, dilation))");
      }
      const int64_t full = s * (in[d] - 1) + out_pad[d] + (kernel[d] - 1) * g.dilations[d] + 1;
      if (!out_shape.empty() || attrs_.auto_pad == AutoPad::kSameUpper ||
          attrs_.auto_pad == AutoPad::kSameLower) {
        const int64_t target = out_shape.empty() ? in[d] * s : out_shape[d];
        if (target < 0 || target > conv_detail::kMaxExtent * 4) return ctx.bad_input("output_shape out of range");
        const int64_t total = std::max<int64_t>(0, full - target);
        if (attrs_.auto_pad == AutoPad::kSameUpper) {
          pb[d] = total / 2;
        } else {
          pb[d] = total - total / 2;
        }
        pe[d] = total - pb[d];
        out[d] = target;
      } else {
        if (!pads.empty() && attrs_.auto_pad == AutoPad::kNotSet) {
          pb[d] = pads[d];
          pe[d] = pads[d + nd];
        }
        if (pb[d] < 0 || pe[d] < 0 || pb[d] > conv_detail::kMaxExtent || pe[d] > conv_detail::kMaxExtent) {
          return ctx.error("pads must be non-negative and moderate");
        }
        out[d] = full - pb[d] - pe[d];
      }
      if (out[d] < 0) return ctx.bad_input("the output size would be negative");
    }
    params_ = ref::ConvParams{x[0], c, m, groups_, in, out, kernel, g.strides, g.dilations, pb};
    Shape y = {x[0], m};
    y.insert(y.end(), out.begin(), out.end());
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    LACUNA_RETURN_IF_ERROR(check_workspace(ctx, {m / groups_, numel(kernel), numel(in)}));
    ctx.set_output(0, ctx.dtype(0), std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override { return run_kernel(ctx, true); }
};

}  // namespace

void register_conv_ops(Registry& r) {
  r.add("", "Conv", make_impl<ConvKernel>("conv_ref"));
  r.add("", "ConvTranspose", make_impl<ConvTransposeKernel>("conv_transpose_ref"));
}

}  // namespace lacuna::ops
