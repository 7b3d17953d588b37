// lacuna:LayerNormChannels(X, scale, [bias]) = layer normalization over axis 1 of a channels-first
// tensor [batch, channels, positions] (attribute epsilon): the LayerNormalization of a
// [batch, positions, channels] tensor in the feature-major layout that feature_major_layout picks.
// The reference kernel works position by position; the fast one vectorizes across positions.
#include <algorithm>
#include <cmath>

#include "kernels/dense/rowops.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

class LayerNormChannelsKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    eps_ = attr_float("epsilon", 1e-5f);
    if (!(eps_ >= 0.f)) return error("epsilon must be non-negative");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    if (ctx.rank(0) != 3) return ctx.bad_input("X must be [batch, channels, positions], got " + shape_to_string(ctx.shape(0)));
    const Shape& x = ctx.shape(0);
    for (int i = 1; i < 3; ++i) {
      if (!ctx.has_input(i)) {
        if (i == 1) return ctx.bad_input("the scale input is required");
        continue;
      }
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32}));
      if (ctx.shape(i) != Shape{x[1]}) return ctx.bad_input("scale and bias must have shape [" + std::to_string(x[1]) + "]");
    }
    ctx.set_output(0, DType::kFloat32, x);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    const float* x = ctx.input(0).data<float>();
    const float* gamma = ctx.input(1).data<float>();
    const float* beta = ctx.has_input(2) ? ctx.input(2).data<float>() : nullptr;
    float* y = ctx.output(0).data<float>();
    const int64_t c = s[1], p = s[2];
    for (int64_t b = 0; b < s[0]; ++b) {
      const float* xb = x + b * c * p;
      float* yb = y + b * c * p;
      for (int64_t j = 0; j < p; ++j) {
        double sum = 0, s2 = 0;
        for (int64_t i = 0; i < c; ++i) sum += xb[i * p + j];
        const double mean = sum / static_cast<double>(c);
        for (int64_t i = 0; i < c; ++i) s2 += (xb[i * p + j] - mean) * (xb[i * p + j] - mean);
        const double inv = 1.0 / std::sqrt(s2 / static_cast<double>(c) + eps_);
        for (int64_t i = 0; i < c; ++i) {
          yb[i * p + j] = static_cast<float>((xb[i * p + j] - mean) * inv * gamma[i] + (beta ? beta[i] : 0.f));
        }
      }
    }
    return Status::ok();
  }

 protected:
  float eps_ = 1e-5f;
};

class LayerNormChannelsFastKernel : public LayerNormChannelsKernel {
 public:
  using LayerNormChannelsKernel::LayerNormChannelsKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    k_ = &kernels::select_row_kernels(*ctx.options->cpu);
    ctx.decision = k_->name;
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    const float* x = ctx.input(0).data<float>();
    const float* gamma = ctx.input(1).data<float>();
    const float* beta = ctx.has_input(2) ? ctx.input(2).data<float>() : nullptr;
    float* y = ctx.output(0).data<float>();
    const int64_t c = s[1], p = s[2];
    // Work items: (batch, 16-position chunk).
    const int64_t chunks = (p + 15) / 16;
    ctx.pool->parallel_for(s[0] * chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t it = begin; it < end; ++it) {
        const int64_t b = it / chunks, p0 = (it % chunks) * 16;
        k_->layernorm_cols(x + b * c * p + p0, y + b * c * p + p0, c, std::min<int64_t>(16, p - p0), p, gamma, beta, eps_);
      }
    });
    return Status::ok();
  }

 private:
  const kernels::RowKernels* k_ = nullptr;
};

}  // namespace

void register_channel_norm_ops(Registry& r) {
  r.add(kLacunaDomain, "LayerNormChannels", make_impl<LayerNormChannelsKernel>("layer_norm_channels_ref"));
  r.add(kLacunaDomain, "LayerNormChannels", make_impl<LayerNormChannelsFastKernel>("layer_norm_channels_fast", false));
}

}  // namespace lacuna::ops
