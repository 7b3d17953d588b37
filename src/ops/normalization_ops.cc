// Normalization operators: BatchNormalization (inference, and training-mode statistics at
// opset >= 14), InstanceNormalization, LayerNormalization (ONNX and com.microsoft),
// GroupNormalization, LRN and MeanVarianceNormalization.
#include <algorithm>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/elementwise.h"
#include "kernels/ref/normalization.h"
#include "ops/common.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

bool wanted(const InferContext& ctx, int i) { return i < ctx.num_outputs() && ctx.outputs[i].wanted; }

// Checks that input i is a float tensor of X's dtype holding exactly n elements.
Status expect_vector(InferContext& ctx, int i, int64_t n, const char* what) {
  LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
  if (numel(ctx.shape(i)) != n) {
    return ctx.bad_input(std::string(what) + " must have " + std::to_string(n) + " elements, got shape " +
                         shape_to_string(ctx.shape(i)));
  }
  return Status::ok();
}

class BatchNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    epsilon_ = attr_float("epsilon", 1e-5f);
    momentum_ = attr_float("momentum", 0.9f);
    training_ = opset_ >= 14 && attr_int("training_mode", 0) != 0;
    // Before opset 9, spatial=0 normalizes each (channel, position) separately.
    per_position_ = opset_ < 9 && attr_int("spatial", 1) == 0;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 2) return ctx.bad_input("X must have rank >= 2, got " + shape_to_string(x));
    if (!training_ && (wanted(ctx, 1) || wanted(ctx, 2) || wanted(ctx, 3) || wanted(ctx, 4))) {
      return ctx.unsupported_here("training outputs need training_mode=1 (opset >= 14)");
    }
    batch_ = x[0];
    channels_ = x[1];
    size_ = 1;
    for (size_t d = 2; d < x.size(); ++d) size_ *= x[d];
    if (per_position_) {
      channels_ *= size_;
      size_ = 1;
    }
    static const char* kNames[] = {"scale", "B", "mean", "var"};
    for (int i = 1; i <= 4; ++i) LACUNA_RETURN_IF_ERROR(expect_vector(ctx, i, channels_, kNames[i - 1]));
    ctx.set_output(0, ctx.dtype(0), x);
    if (training_) {
      for (int i = 1; i <= 2; ++i) {
        if (wanted(ctx, i)) ctx.set_output(i, ctx.dtype(0), ctx.shape(i + 2));
      }
    }
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* scale = ctx.input(1).data<T>();
      const T* bias = ctx.input(2).data<T>();
      const T* mean = ctx.input(3).data<T>();
      const T* var = ctx.input(4).data<T>();
      if (!training_) {
        ref::batch_norm<T>(x.data<T>(), batch_, channels_, size_, scale, bias, mean, var, epsilon_, y.data<T>());
        return;
      }
      // Training mode normalizes with the batch's own statistics and updates the running ones.
      std::vector<T> cur_mean(static_cast<size_t>(channels_)), cur_var(static_cast<size_t>(channels_));
      ref::channel_moments<T>(x.data<T>(), batch_, channels_, size_, cur_mean.data(), cur_var.data());
      ref::batch_norm<T>(x.data<T>(), batch_, channels_, size_, scale, bias, cur_mean.data(), cur_var.data(),
                         epsilon_, y.data<T>());
      const T mom = static_cast<T>(momentum_);
      for (int i = 1; i <= 2; ++i) {
        if (!ctx.has_output(i)) continue;
        const T* running = i == 1 ? mean : var;
        const T* current = i == 1 ? cur_mean.data() : cur_var.data();
        T* out = ctx.output(i).data<T>();
        for (int64_t c = 0; c < channels_; ++c) out[c] = running[c] * mom + current[c] * (T(1) - mom);
      }
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  float epsilon_ = 1e-5f, momentum_ = 0.9f;
  bool training_ = false, per_position_ = false;
  int64_t batch_ = 0, channels_ = 0, size_ = 0;
};

class InstanceNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 3) return ctx.bad_input("X must have rank >= 3, got " + shape_to_string(x));
    LACUNA_RETURN_IF_ERROR(expect_vector(ctx, 1, x[1], "scale"));
    LACUNA_RETURN_IF_ERROR(expect_vector(ctx, 2, x[1], "B"));
    ctx.set_output(0, ctx.dtype(0), x);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const float eps = attr_float("epsilon", 1e-5f);
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t size = planes ? x.numel() / planes : 0;
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::instance_norm<T>(x.data<T>(), x.dim(0), x.dim(1), size, ctx.input(1).data<T>(),
                            ctx.input(2).data<T>(), eps, ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }
};

// Broadcasts a parameter (Scale or B) to the normalized shape X.shape[axis:], as one row.
template <class T>
void expand_to_row(const Tensor& p, const Shape& row_shape, std::vector<T>* out) {
  Shape ps = p.shape();
  while (ps.size() > row_shape.size() && ps.front() == 1) ps.erase(ps.begin());
  out->resize(static_cast<size_t>(numel(row_shape)));
  ref::binary_broadcast(p.data<T>(), ps, p.data<T>(), ps, out->data(), row_shape, [](T a, T) { return a; });
}

class LayerNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    axis_ = attr_int("axis", -1);
    epsilon_ = attr_float("epsilon", 1e-5f);
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("X must have rank >= 1");
    LACUNA_ASSIGN_OR_RETURN(int axis, normalize_axis(axis_, r, node_));
    row_shape_.assign(x.begin() + axis, x.end());
    rows_ = numel(Shape(x.begin(), x.begin() + axis));
    cols_ = numel(row_shape_);
    for (int i = 1; i <= 2; ++i) {
      if (!ctx.has_input(i)) {
        if (i == 1) return ctx.error("Scale is required");
        continue;
      }
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
      Shape ps = ctx.shape(i);
      while (ps.size() > row_shape_.size() && ps.front() == 1) ps.erase(ps.begin());
      Shape b;
      if (ps.size() > row_shape_.size() || !broadcast_shapes(ps, row_shape_, &b).is_ok() || b != row_shape_) {
        return ctx.bad_input(std::string(i == 1 ? "Scale" : "B") + " of shape " + shape_to_string(ctx.shape(i)) +
                             " does not broadcast to the normalized shape " + shape_to_string(row_shape_));
      }
    }
    ctx.set_output(0, ctx.dtype(0), x);
    Shape stats(x.begin(), x.begin() + axis);
    stats.resize(x.size(), 1);
    for (int i = 1; i <= 2; ++i) {
      if (wanted(ctx, i)) ctx.set_output(i, ctx.dtype(0), stats);
    }
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T> scale, bias;
      expand_to_row<T>(ctx.input(1), row_shape_, &scale);
      if (ctx.has_input(2)) expand_to_row<T>(ctx.input(2), row_shape_, &bias);
      ref::layer_norm<T>(x.data<T>(), rows_, cols_, scale.data(), ctx.has_input(2) ? bias.data() : nullptr,
                         epsilon_, ctx.output(0).data<T>(), ctx.has_output(1) ? ctx.output(1).data<T>() : nullptr,
                         ctx.has_output(2) ? ctx.output(2).data<T>() : nullptr);
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  int64_t axis_ = -1;
  float epsilon_ = 1e-5f;
  Shape row_shape_;
  int64_t rows_ = 0, cols_ = 0;
};

class GroupNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    groups_ = attr_int("num_groups", 0);
    if (groups_ <= 0) return error("num_groups must be positive");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 2) return ctx.bad_input("X must have rank >= 2, got " + shape_to_string(x));
    if (x[1] % groups_ != 0) return ctx.bad_input("channels are not divisible by num_groups");
    // Opset 18 has one scale/bias per group, opset 21 one per channel.
    for (int i = 1; i <= 2; ++i) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
      const int64_t n = numel(ctx.shape(i));
      if (ctx.rank(i) != 1 || (n != x[1] && n != groups_)) {
        return ctx.bad_input("scale and bias must have num_groups or C elements, got " + shape_to_string(ctx.shape(i)));
      }
    }
    ctx.set_output(0, ctx.dtype(0), x);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t size = n * c != 0 ? x.numel() / (n * c) : 0;
    const float eps = attr_float("epsilon", 1e-5f);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T> params[2];
      for (int i = 0; i < 2; ++i) {
        const Tensor& p = ctx.input(i + 1);
        params[i].resize(static_cast<size_t>(c));
        for (int64_t ch = 0; ch < c; ++ch) {
          params[i][static_cast<size_t>(ch)] = p.data<T>()[p.numel() == c ? ch : ch / (c / groups_)];
        }
      }
      ref::group_norm<T>(x.data<T>(), n, c, groups_, size, params[0].data(), params[1].data(), eps,
                         ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  int64_t groups_ = 1;
};

class LrnKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    size_ = attr_int("size", 0);
    if (size_ <= 0) return error("size must be positive");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    if (ctx.rank(0) < 2) return ctx.bad_input("X must have rank >= 2");
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t n = x.dim(0), c = x.dim(1);
    const int64_t plane = n * c != 0 ? x.numel() / (n * c) : 0;
    const float alpha = attr_float("alpha", 1e-4f), beta = attr_float("beta", 0.75f), bias = attr_float("bias", 1.f);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::lrn<T>(x.data<T>(), n, c, plane, size_, alpha, beta, bias, ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  int64_t size_ = 1;
};

class MeanVarianceNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    normalize_variance_ = opset_ >= 9 || attr_int("normalize_variance", 1) != 0;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const int r = ctx.rank(0);
    reduce_.assign(static_cast<size_t>(r), false);
    // Opset 1 normalized each instance over (H, W), or (C, H, W) with across_channels.
    const std::vector<int64_t> legacy = attr_int("across_channels", 0) != 0 ? std::vector<int64_t>{1, 2, 3}
                                                                            : std::vector<int64_t>{2, 3};
    for (int64_t a : opset_ < 9 ? legacy : attr_ints("axes", {0, 2, 3})) {
      LACUNA_ASSIGN_OR_RETURN(int ax, tensor_axis(a, r, node_));
      reduce_[static_cast<size_t>(ax)] = true;
    }
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      // The ONNX function adds 1e-9 to the standard deviation.
      ref::mean_variance_norm<T>(x.data<T>(), x.shape(), reduce_, normalize_variance_, 1e-9f,
                                 ctx.output(0).data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  std::vector<bool> reduce_;
  bool normalize_variance_ = true;  // opset 1 may only subtract the mean
};

}  // namespace

void register_normalization_ops(Registry& r) {
  r.add("", "BatchNormalization", make_impl<BatchNormKernel>("batch_norm_ref"));
  r.add("", "InstanceNormalization", make_impl<InstanceNormKernel>("instance_norm_ref"));
  r.add("", "LayerNormalization", make_impl<LayerNormKernel>("layer_norm_ref"));
  r.add("com.microsoft", "LayerNormalization", make_impl<LayerNormKernel>("layer_norm_ref"));
  r.add("", "GroupNormalization", make_impl<GroupNormKernel>("group_norm_ref"));
  r.add("", "LRN", make_impl<LrnKernel>("lrn_ref"));
  r.add("", "MeanVarianceNormalization", make_impl<MeanVarianceNormKernel>("mvn_ref"));
}

}  // namespace lacuna::ops
