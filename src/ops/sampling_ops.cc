// Operators that sample an image at computed locations: GridSample (opset 16 names and the
// opset 20 aliases, 2-D) and RoiAlign (opsets 10 and 16).
#include <map>

#include "core/dispatch.h"
#include "kernels/ref/grid_sample.h"
#include "kernels/ref/roi_align.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class GridSampleKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    static const std::map<std::string, ref::GridSampleMode> kModes = {
        {"bilinear", ref::GridSampleMode::kLinear}, {"linear", ref::GridSampleMode::kLinear},
        {"nearest", ref::GridSampleMode::kNearest}, {"bicubic", ref::GridSampleMode::kCubic},
        {"cubic", ref::GridSampleMode::kCubic}};
    static const std::map<std::string, ref::GridSamplePadding> kPads = {
        {"zeros", ref::GridSamplePadding::kZeros},
        {"border", ref::GridSamplePadding::kBorder},
        {"reflection", ref::GridSamplePadding::kReflection}};
    const std::string mode = attr_string("mode", opset_ >= 20 ? "linear" : "bilinear");
    const std::string pad = attr_string("padding_mode", "zeros");
    auto m = kModes.find(mode);
    if (m == kModes.end()) return error("unknown mode '" + mode + "'");
    auto p = kPads.find(pad);
    if (p == kPads.end()) return error("unknown padding_mode '" + pad + "'");
    params_.mode = m->second;
    params_.padding = p->second;
    params_.align_corners = attr_int("align_corners", 0) != 0;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    const Shape& x = ctx.shape(0);
    const Shape& g = ctx.shape(1);
    if (x.size() != 4) return ctx.unsupported_here("only 4-D X (2-D sampling) is supported, got " + shape_to_string(x));
    if (g.size() != 4 || g[0] != x[0] || g[3] != 2) {
      return ctx.bad_input("grid must be (N, H_out, W_out, 2) with N = " + std::to_string(x[0]) + ", got " +
                           shape_to_string(g));
    }
    params_.batch = x[0];
    params_.channels = x[1];
    params_.in_h = x[2];
    params_.in_w = x[3];
    params_.out_h = g[1];
    params_.out_w = g[2];
    Shape out = {x[0], x[1], g[1], g[2]};
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::grid_sample<T>(params_, x.data<T>(), ctx.input(1).data<T>(), ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  ref::GridSampleParams params_;
};

class RoiAlignKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const std::string mode = attr_string("mode", "avg");
    if (mode != "avg" && mode != "max") return error("mode must be avg or max");
    params_.max_mode = mode == "max";
    // Opset 10 had no attribute and behaved like output_half_pixel.
    const std::string ctm = attr_string("coordinate_transformation_mode", opset_ >= 16 ? "half_pixel" : "output_half_pixel");
    if (ctm != "half_pixel" && ctm != "output_half_pixel") return error("unknown coordinate_transformation_mode '" + ctm + "'");
    params_.half_pixel = ctm == "half_pixel";
    params_.out_h = attr_int("output_height", 1);
    params_.out_w = attr_int("output_width", 1);
    params_.sampling_ratio = attr_int("sampling_ratio", 0);
    params_.spatial_scale = attr_float("spatial_scale", 1.f);
    if (params_.out_h <= 0 || params_.out_w <= 0) return error("output_height and output_width must be positive");
    if (params_.sampling_ratio < 0 || params_.sampling_ratio > 4096) return error("sampling_ratio must be in [0, 4096]");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kInt64}));
    const Shape& x = ctx.shape(0);
    const Shape& rois = ctx.shape(1);
    if (x.size() != 4) return ctx.bad_input("X must be 4-D, got " + shape_to_string(x));
    if (rois.size() != 2 || rois[1] != 4) return ctx.bad_input("rois must be (num_rois, 4), got " + shape_to_string(rois));
    if (ctx.shape(2) != Shape{rois[0]}) return ctx.bad_input("batch_indices must be (num_rois)");
    params_.channels = x[1];
    params_.height = x[2];
    params_.width = x[3];
    Shape out = {rois[0], x[1], params_.out_h, params_.out_w};
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    const int64_t* batch = ctx.input(2).data<int64_t>();
    for (int64_t r = 0; r < rois.dim(0); ++r) {
      if (batch[r] < 0 || batch[r] >= x.dim(0)) {
        return ctx.error("batch index " + std::to_string(batch[r]) + " of roi " + std::to_string(r) +
                         " is out of range for batch size " + std::to_string(x.dim(0)));
      }
    }
    if (x.dim(2) == 0 || x.dim(3) == 0) {
      if (rois.dim(0) > 0 && x.dim(1) > 0) return ctx.error("cannot sample an empty image");
      return Status::ok();
    }
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::roi_align<T>(params_, x.data<T>(), rois.data<T>(), batch, rois.dim(0), ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  ref::RoiAlignParams params_;
};

}  // namespace

void register_sampling_ops(Registry& r) {
  r.add("", "GridSample", make_impl<GridSampleKernel>("grid_sample_ref"));
  r.add("", "RoiAlign", make_impl<RoiAlignKernel>("roi_align_ref"));
}

}  // namespace lacuna::ops
