// Pooling operators: MaxPool (with Indices), AveragePool, LpPool, their Global forms,
// MaxUnpool and MaxRoiPool.
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/pool.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

constexpr int64_t kMaxExtent = int64_t{1} << 31;

enum class PoolKind { kMax, kAverage, kLp };

// MaxPool, AveragePool and LpPool share the window attributes and the output-size rule.
template <PoolKind kKind>
class PoolKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    LACUNA_ASSIGN_OR_RETURN(attrs_.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
    attrs_.kernel_shape = attr_ints("kernel_shape");
    if (attrs_.kernel_shape.empty()) return error("kernel_shape is required");
    attrs_.strides = attr_ints("strides");
    attrs_.dilations = attr_ints("dilations");
    attrs_.pads = attr_ints("pads");
    attrs_.ceil_mode = attr_int("ceil_mode", 0) != 0;
    count_include_pad_ = attr_int("count_include_pad", 0) != 0;
    storage_order_ = attr_int("storage_order", 0);
    if (storage_order_ != 0 && storage_order_ != 1) return error("storage_order must be 0 or 1");
    power_ = attr_float("p", 2.f);
    if (kKind == PoolKind::kLp && !(power_ > 0.f)) return error("p must be positive");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    if constexpr (kKind == PoolKind::kMax) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kUint8}));
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    }
    const Shape& x = ctx.shape(0);
    if (x.size() < 3) return ctx.bad_input("X must have rank >= 3, got " + shape_to_string(x));
    const std::vector<int64_t> in(x.begin() + 2, x.end());
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(attrs_, in, attrs_.kernel_shape, node_, &g));
    for (size_t d = 0; d < in.size() && attrs_.auto_pad == AutoPad::kNotSet; ++d) {
      const int64_t ext = (g.kernel[d] - 1) * g.dilations[d] + 1;
      if (g.pads_begin[d] >= ext || g.pads_end[d] >= ext) {
        return ctx.error("pads must be smaller than the kernel");
      }
    }
    params_ = ref::PoolParams{x[0], x[1], in, g.out, g.kernel, g.strides, g.dilations, g.pads_begin, g.pads_end};
    Shape out = {x[0], x[1]};
    out.insert(out.end(), g.out.begin(), g.out.end());
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    if (kKind == PoolKind::kMax && ctx.num_outputs() > 1 && ctx.outputs[1].wanted) {
      ctx.set_output(1, DType::kInt64, out);
    }
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = false;
    if constexpr (kKind == PoolKind::kMax) {
      int64_t* idx = ctx.has_output(1) ? ctx.output(1).data<int64_t>() : nullptr;
      ok = visit_arith(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                      std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
          ref::max_pool<T>(params_, x.data<T>(), y.data<T>(), idx, storage_order_ == 1);
        }
      });
    } else {
      ok = visit_float(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (kKind == PoolKind::kAverage) {
          ref::average_pool<T>(params_, count_include_pad_, x.data<T>(), y.data<T>());
        } else {
          ref::lp_pool<T>(params_, power_, x.data<T>(), y.data<T>());
        }
      });
    }
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  WindowAttrs attrs_;
  bool count_include_pad_ = false;
  int64_t storage_order_ = 0;
  float power_ = 2.f;
  ref::PoolParams params_;
};

template <ref::GlobalPool kKind>
class GlobalPoolKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    power_ = attr_float("p", 2.f);
    if (kKind == ref::GlobalPool::kLp && !(power_ > 0.f)) return error("p must be positive");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 2) return ctx.bad_input("X must have rank >= 2, got " + shape_to_string(x));
    Shape out(x.size(), 1);
    out[0] = x[0];
    out[1] = x[1];
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t size = planes == 0 ? 0 : x.numel() / planes;
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::global_pool<T>(kKind, planes, size, power_, x.data<T>(), y.data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  float power_ = 2.f;
};

class MaxUnpoolKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    attrs_.kernel_shape = attr_ints("kernel_shape");
    if (attrs_.kernel_shape.empty()) return error("kernel_shape is required");
    attrs_.strides = attr_ints("strides");
    attrs_.pads = attr_ints("pads");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 3) return ctx.bad_input("X must have rank >= 3, got " + shape_to_string(x));
    if (ctx.shape(1) != x) return ctx.bad_input("I must have the shape of X");
    const size_t nd = x.size() - 2;
    const std::vector<int64_t>& k = attrs_.kernel_shape;
    const std::vector<int64_t>& st = attrs_.strides;
    const std::vector<int64_t>& pads = attrs_.pads;
    if (k.size() != nd || (!st.empty() && st.size() != nd) || (!pads.empty() && pads.size() != 2 * nd)) {
      return ctx.error("kernel_shape, strides and pads must match the spatial rank of X");
    }
    // Indices refer to the unpooled shape implied by the attributes (MaxPool's input).
    index_shape_ = {x[0], x[1]};
    for (size_t d = 0; d < nd; ++d) {
      const int64_t pb = pads.empty() ? 0 : pads[d];
      const int64_t pe = pads.empty() ? 0 : pads[d + nd];
      const int64_t s = st.empty() ? 1 : st[d];
      if (k[d] <= 0 || s <= 0 || pb < 0 || pe < 0 || k[d] > kMaxExtent || s > kMaxExtent ||
          pb > kMaxExtent || pe > kMaxExtent || x[d + 2] > kMaxExtent) {
        return ctx.error("kernel_shape and strides must be positive and pads non-negative");
      }
      const int64_t o = (x[d + 2] - 1) * s + k[d] - pb - pe;
      if (o < 0) return ctx.bad_input("the output size would be negative");
      index_shape_.push_back(o);
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(index_shape_).status().with_context(node_));
    Shape out = index_shape_;
    offset_.assign(x.size(), 0);
    if (ctx.has_input(2)) {
      // A larger output_shape pads the unpooled tensor, half of the extra size before it.
      const Tensor* s = ctx.value(2);
      if (!s) return ctx.needs_value(2);
      LACUNA_ASSIGN_OR_RETURN(out, int_values(*s, node_ + ": output_shape"));
      if (out.size() != x.size()) return ctx.bad_input("output_shape must have the rank of X");
      if (out[0] != x[0] || out[1] != x[1]) return ctx.bad_input("output_shape must keep N and C of X");
      for (size_t d = 2; d < out.size(); ++d) {
        if (out[d] < index_shape_[d]) {
          return ctx.bad_input("output_shape " + shape_to_string(out) + " is smaller than the unpooled shape " +
                               shape_to_string(index_shape_));
        }
        offset_[d] = (out[d] - index_shape_[d]) / 2;
      }
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    Tensor& y = ctx.output(0);
    bool in_range = true;
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      in_range = ref::max_unpool<T>(x.data<T>(), idx.data<int64_t>(), x.numel(), index_shape_, offset_,
                                    y.shape(), y.data<T>());
    });
    if (!ok) return dtype_not_supported(x.dtype());
    if (!in_range) return ctx.error("an index in I is outside the unpooled shape " + shape_to_string(index_shape_));
    return Status::ok();
  }

 private:
  WindowAttrs attrs_;
  Shape index_shape_;
  std::vector<int64_t> offset_;
};

class MaxRoiPoolKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    pooled_ = attr_ints("pooled_shape");
    if (pooled_.size() != 2 || pooled_[0] <= 0 || pooled_[1] <= 0) {
      return error("pooled_shape must be two positive values");
    }
    scale_ = attr_float("spatial_scale", 1.f);
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    const Shape& x = ctx.shape(0);
    const Shape& rois = ctx.shape(1);
    if (x.size() != 4) return ctx.bad_input("X must be 4-D, got " + shape_to_string(x));
    if (rois.size() != 2 || rois[1] != 5) return ctx.bad_input("rois must be (num_rois, 5), got " + shape_to_string(rois));
    Shape out = {rois[0], x[1], pooled_[0], pooled_[1]};
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    Tensor& y = ctx.output(0);
    bool in_range = true;
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      in_range = ref::max_roi_pool<T>(x.data<T>(), x.dim(0), x.dim(1), x.dim(2), x.dim(3), rois.data<T>(),
                                      rois.dim(0), pooled_[0], pooled_[1], scale_, y.data<T>());
    });
    if (!ok) return dtype_not_supported(x.dtype());
    if (!in_range) return ctx.error("a roi's batch index is out of range");
    return Status::ok();
  }

 private:
  std::vector<int64_t> pooled_;
  float scale_ = 1.f;
};

}  // namespace

void register_pool_ops(Registry& r) {
  r.add("", "MaxPool", make_impl<PoolKernel<PoolKind::kMax>>("max_pool_ref"));
  r.add("", "AveragePool", make_impl<PoolKernel<PoolKind::kAverage>>("average_pool_ref"));
  r.add("", "LpPool", make_impl<PoolKernel<PoolKind::kLp>>("lp_pool_ref"));
  r.add("", "GlobalAveragePool", make_impl<GlobalPoolKernel<ref::GlobalPool::kAverage>>("global_average_pool_ref"));
  r.add("", "GlobalMaxPool", make_impl<GlobalPoolKernel<ref::GlobalPool::kMax>>("global_max_pool_ref"));
  r.add("", "GlobalLpPool", make_impl<GlobalPoolKernel<ref::GlobalPool::kLp>>("global_lp_pool_ref"));
  r.add("", "MaxUnpool", make_impl<MaxUnpoolKernel>("max_unpool_ref"));
  r.add("", "MaxRoiPool", make_impl<MaxRoiPoolKernel>("max_roi_pool_ref"));
}

}  // namespace lacuna::ops
