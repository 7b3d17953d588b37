// Resize (opsets 10, 11, 13, 18, 19) and Upsample (opsets 7, 9): reading scales / sizes / roi,
// the output-size rules and the attribute names of each opset, around the reference resampler.
#include <cmath>
#include <map>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/resize.h"
#include "ops/common.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/run_buffer.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

template <class E>
Expected<E> parse_enum(const std::string& value, const std::map<std::string, E>& names,
                       const std::string& attr, const std::string& node) {
  auto it = names.find(value);
  if (it == names.end()) return invalid_model(node + ": unknown " + attr + " '" + value + "'");
  return it->second;
}

Expected<ref::ResizeMode> parse_mode(const std::string& s, const std::string& node) {
  return parse_enum<ref::ResizeMode>(s, {{"nearest", ref::ResizeMode::kNearest},
                                         {"linear", ref::ResizeMode::kLinear},
                                         {"bilinear", ref::ResizeMode::kLinear},
                                         {"cubic", ref::ResizeMode::kCubic}},
                                     "mode", node);
}

bool is_resize_dtype(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kInt8 || t == DType::kUint8 ||
         t == DType::kInt32 || t == DType::kInt64;
}

// Reads a float tensor (float32 or float64) as doubles.
std::vector<double> float_values(const Tensor& t) { return t.to_double_vector(); }

// Shared by Resize and Upsample: the parameters minus the per-run axis sizes, and the run.
class ResampleBase : public KernelBase {
 public:
  using KernelBase::KernelBase;

  // With static shapes the taps are computed here once; run() only reads them.
  Status prepare(PrepareContext& ctx) override {
    if (!RunBuffer::can_plan(ctx)) return Status::ok();
    plan_ = ref::plan_resize(params_);
    planned_ = true;
    ctx.scratch_bytes = ref::resize_scratch_bytes(plan_);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int8_t> ||
                    std::is_same_v<T, uint8_t> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
        if (planned_) {
          ref::resize<T>(params_, plan_, x.data<T>(), y.data<T>(), ctx.scratch);
        } else {
          ref::resize<T>(params_, x.data<T>(), y.data<T>());
        }
      }
    });
    return ok && is_resize_dtype(x.dtype()) ? Status::ok() : dtype_not_supported(x.dtype());
  }

 protected:
  // Fills params_.axes from per-dimension scales, or from explicit sizes when given, and sets
  // the output. Validates that every scale is positive and every size non-negative.
  Status set_axes(InferContext& ctx, const std::vector<double>& scales, const std::vector<int64_t>& sizes) {
    const Shape& x = ctx.shape(0);
    params_.axes.assign(x.size(), ref::ResizeAxis{});
    Shape out(x.size());
    for (size_t d = 0; d < x.size(); ++d) {
      ref::ResizeAxis& a = params_.axes[d];
      a.in = x[d];
      if (!sizes.empty()) {
        if (sizes[d] < 0) return ctx.bad_input("sizes must be non-negative");
        a.out = sizes[d];
        a.scale = a.in > 0 ? static_cast<double>(a.out) / static_cast<double>(a.in) : 1.0;
      } else {
        // Scales arrive as float; the output size is floor(in * scale) computed in float.
        const auto s = static_cast<float>(scales[d]);
        if (!(s > 0.f) || !std::isfinite(s)) return ctx.bad_input("scales must be positive and finite");
        a.scale = s;
        const double o = std::floor(static_cast<double>(static_cast<float>(a.in) * s));
        if (o > 9.0e15) return ctx.bad_input("output size too large");
        a.out = static_cast<int64_t>(o);
      }
      if (a.in == 0 && a.out > 0) return ctx.bad_input("cannot resize an empty dimension to a non-empty one");
      out[d] = a.out;
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  ref::ResizeParams params_;
  ref::ResizePlan plan_;
  bool planned_ = false;
};

class ResizeKernel : public ResampleBase {
 public:
  using ResampleBase::ResampleBase;

  Status init() {
    LACUNA_ASSIGN_OR_RETURN(params_.mode, parse_mode(attr_string("mode", "nearest"), node_));
    if (attr_string("mode", "nearest") == "bilinear") return error("unknown mode 'bilinear'");
    if (opset_ < 11) {
      // Resize-10 maps coordinates like Upsample.
      params_.coord = ref::ResizeCoord::kAsymmetric;
      params_.nearest = ref::ResizeNearest::kSimple;
      return Status::ok();
    }
    LACUNA_ASSIGN_OR_RETURN(
        params_.coord,
        parse_enum<ref::ResizeCoord>(attr_string("coordinate_transformation_mode", "half_pixel"),
                                     {{"half_pixel", ref::ResizeCoord::kHalfPixel},
                                      {"half_pixel_symmetric", ref::ResizeCoord::kHalfPixelSymmetric},
                                      {"pytorch_half_pixel", ref::ResizeCoord::kPytorchHalfPixel},
                                      {"align_corners", ref::ResizeCoord::kAlignCorners},
                                      {"asymmetric", ref::ResizeCoord::kAsymmetric},
                                      {"tf_half_pixel_for_nn", ref::ResizeCoord::kTfHalfPixelForNn},
                                      {"tf_crop_and_resize", ref::ResizeCoord::kTfCropAndResize}},
                                     "coordinate_transformation_mode", node_));
    LACUNA_ASSIGN_OR_RETURN(
        params_.nearest,
        parse_enum<ref::ResizeNearest>(attr_string("nearest_mode", "round_prefer_floor"),
                                       {{"round_prefer_floor", ref::ResizeNearest::kRoundPreferFloor},
                                        {"round_prefer_ceil", ref::ResizeNearest::kRoundPreferCeil},
                                        {"floor", ref::ResizeNearest::kFloor},
                                        {"ceil", ref::ResizeNearest::kCeil}},
                                       "nearest_mode", node_));
    params_.cubic_a = attr_float("cubic_coeff_a", -0.75f);
    params_.exclude_outside = attr_int("exclude_outside", 0) != 0;
    params_.extrapolation = attr_float("extrapolation_value", 0.f);
    if (attr_int("antialias", 0) != 0) return not_supported("antialias is not supported");
    policy_ = attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy_ != "stretch" && policy_ != "not_larger" && policy_ != "not_smaller") {
      return error("unknown keep_aspect_ratio_policy '" + policy_ + "'");
    }
    axes_attr_ = attr_ints("axes");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (!is_resize_dtype(ctx.dtype(0))) return dtype_not_supported(ctx.dtype(0));
    const int r = ctx.rank(0);
    const Shape& x = ctx.shape(0);
    // Axes the scales/sizes/roi refer to (opset 18); all of them before.
    std::vector<int> axes;
    if (axes_attr_.empty()) {
      for (int d = 0; d < r; ++d) axes.push_back(d);
    } else {
      std::vector<bool> seen(static_cast<size_t>(r), false);
      for (int64_t a : axes_attr_) {
        LACUNA_ASSIGN_OR_RETURN(int ax, tensor_axis(a, r, node_));
        if (seen[static_cast<size_t>(ax)]) return ctx.error("axes has duplicates");
        seen[static_cast<size_t>(ax)] = true;
        axes.push_back(ax);
      }
    }
    const int scales_in = opset_ < 11 ? 1 : 2;
    const int sizes_in = opset_ < 11 ? -1 : 3;
    std::vector<double> scales(static_cast<size_t>(r), 1.0);
    std::vector<int64_t> sizes;
    bool have_sizes = false;
    if (sizes_in > 0 && ctx.has_input(sizes_in)) {
      const Tensor* s = ctx.value(sizes_in);
      if (!s) return ctx.needs_value(sizes_in);
      if (s->numel() > 0) {
        LACUNA_ASSIGN_OR_RETURN(std::vector<int64_t> v, int_values(*s, node_ + ": sizes"));
        if (v.size() != axes.size()) return ctx.bad_input("sizes must have one value per resized axis");
        sizes.assign(x.begin(), x.end());
        for (size_t i = 0; i < axes.size(); ++i) sizes[static_cast<size_t>(axes[i])] = v[i];
        have_sizes = true;
      }
    }
    if (!have_sizes) {
      if (!ctx.has_input(scales_in)) return ctx.bad_input("one of scales and sizes is required");
      const Tensor* s = ctx.value(scales_in);
      if (!s) return ctx.needs_value(scales_in);
      if (s->dtype() != DType::kFloat32 && s->dtype() != DType::kFloat64) return ctx.bad_input("scales must be float");
      const std::vector<double> v = float_values(*s);
      if (v.size() != axes.size()) return ctx.bad_input("scales must have one value per resized axis");
      for (size_t i = 0; i < axes.size(); ++i) scales[static_cast<size_t>(axes[i])] = v[i];
    } else if (policy_ != "stretch") {
      // One common scale keeps the aspect ratio; the result fits inside (not_larger) or covers
      // (not_smaller) the requested sizes.
      double common = policy_ == "not_larger" ? 1e300 : 0.0;
      for (int a : axes) {
        if (x[static_cast<size_t>(a)] == 0) continue;
        const double s = static_cast<double>(sizes[static_cast<size_t>(a)]) / static_cast<double>(x[static_cast<size_t>(a)]);
        common = policy_ == "not_larger" ? std::min(common, s) : std::max(common, s);
      }
      for (int a : axes) {
        sizes[static_cast<size_t>(a)] = static_cast<int64_t>(std::round(common * static_cast<double>(x[static_cast<size_t>(a)])));
      }
    }
    LACUNA_RETURN_IF_ERROR(set_axes(ctx, scales, sizes));
    if (params_.coord == ref::ResizeCoord::kTfCropAndResize) {
      if (!ctx.has_input(1)) return ctx.bad_input("tf_crop_and_resize needs roi");
      const Tensor* roi = ctx.value(1);
      if (!roi) return ctx.needs_value(1);
      if (roi->dtype() != DType::kFloat32 && roi->dtype() != DType::kFloat64) return ctx.bad_input("roi must be float");
      const std::vector<double> v = float_values(*roi);
      const size_t n = axes.size();
      if (v.size() != 2 * n) return ctx.bad_input("roi must have 2 values per resized axis");
      for (size_t i = 0; i < n; ++i) {
        params_.axes[static_cast<size_t>(axes[i])].roi_start = v[i];
        params_.axes[static_cast<size_t>(axes[i])].roi_end = v[i + n];
      }
    }
    return Status::ok();
  }

 private:
  std::string policy_ = "stretch";
  std::vector<int64_t> axes_attr_;
};

// Upsample: nearest or (bi)linear with asymmetric coordinates; scales as an attribute
// (opset 7) or an input (opset 9).
class UpsampleKernel : public ResampleBase {
 public:
  using ResampleBase::ResampleBase;

  Status init() {
    LACUNA_ASSIGN_OR_RETURN(params_.mode, parse_mode(attr_string("mode", "nearest"), node_));
    if (params_.mode == ref::ResizeMode::kCubic) return error("Upsample has no cubic mode");
    params_.coord = ref::ResizeCoord::kAsymmetric;
    params_.nearest = ref::ResizeNearest::kSimple;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (!is_resize_dtype(ctx.dtype(0))) return dtype_not_supported(ctx.dtype(0));
    std::vector<double> scales;
    if (opset_ < 9) {
      for (float s : attr_floats("scales")) scales.push_back(s);
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kFloat32, DType::kFloat64}));
      const Tensor* s = ctx.value(1);
      if (!s) return ctx.needs_value(1);
      scales = float_values(*s);
    }
    if (scales.size() != static_cast<size_t>(ctx.rank(0))) {
      return ctx.bad_input("scales must have one value per dimension of X");
    }
    for (double s : scales) {
      if (s < 1.0) return ctx.bad_input("Upsample scales must be >= 1");
    }
    return set_axes(ctx, scales, {});
  }
};

}  // namespace

void register_resize_ops(Registry& r) {
  r.add("", "Resize", make_impl<ResizeKernel>("resize_ref"));
  r.add("", "Upsample", make_impl<UpsampleKernel>("upsample_ref"));
}

}  // namespace lacuna::ops
