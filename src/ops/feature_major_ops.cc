// The boundaries of the feature-major layout that feature_major_layout picks for transformer
// encoders: [batch, tokens, hidden] <-> [batch, hidden, padded tokens].
//   ToFeatureMajor(X)    attr padded: X [B, T, E] -> [B, E, padded], columns past T zero
//   FromFeatureMajor(X)  attr tokens: [B, E, padded] -> [B, tokens, E]
// Token rows are padded so that their length in cache lines is odd: the rows of one tile then
// spread over every L1 set instead of aliasing into a few.
#include <algorithm>
#include <cstring>

#include "kernels/dense/transpose.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

// Both conversions are batched 2-D transposes: the vectorized one unless only the reference
// kernels may run.
class TransposingKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.options->reference_only) tr_ = kernels::select_transpose(*ctx.options->cpu);
    return Status::ok();
  }

 protected:
  kernels::TransposeFn tr_ = kernels::transpose_scalar;
};

class ToFeatureMajorKernel : public TransposingKernel {
 public:
  using TransposingKernel::TransposingKernel;
  Status init() {
    padded_ = attr_int("padded", 0);
    if (padded_ <= 0) return error("padded must be positive");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    if (ctx.rank(0) != 3) return ctx.bad_input("X must be [batch, tokens, hidden]");
    const Shape& x = ctx.shape(0);
    if (padded_ < x[1]) return ctx.bad_input("padded is shorter than the tokens");
    ctx.set_output(0, DType::kFloat32, {x[0], x[2], padded_});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& x = ctx.input(0).shape();
    const float* src = ctx.input(0).data<float>();
    float* dst = ctx.output(0).data<float>();
    const int64_t t = x[1], e = x[2];
    for (int64_t b = 0; b < x[0]; ++b) {
      const float* xb = src + b * t * e;
      float* yb = dst + b * e * padded_;
      tr_(xb, yb, t, e, e, padded_);
      for (int64_t r = 0; r < e; ++r) std::memset(yb + r * padded_ + t, 0, static_cast<size_t>(padded_ - t) * sizeof(float));
    }
    return Status::ok();
  }

 private:
  int64_t padded_ = 0;
};

class FromFeatureMajorKernel : public TransposingKernel {
 public:
  using TransposingKernel::TransposingKernel;
  Status init() {
    tokens_ = attr_int("tokens", 0);
    if (tokens_ <= 0) return error("tokens must be positive");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    if (ctx.rank(0) != 3) return ctx.bad_input("X must be [batch, hidden, padded tokens]");
    const Shape& x = ctx.shape(0);
    if (x[2] < tokens_) return ctx.bad_input("the input holds fewer than `tokens` columns");
    ctx.set_output(0, DType::kFloat32, {x[0], tokens_, x[1]});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& x = ctx.input(0).shape();
    const float* src = ctx.input(0).data<float>();
    float* dst = ctx.output(0).data<float>();
    const int64_t e = x[1], p = x[2];
    for (int64_t b = 0; b < x[0]; ++b) tr_(src + b * e * p, dst + b * tokens_ * e, e, tokens_, p, e);
    return Status::ok();
  }

 private:
  int64_t tokens_ = 0;
};

}  // namespace

void register_feature_major_ops(Registry& r) {
  r.add(kLacunaDomain, "ToFeatureMajor", make_impl<ToFeatureMajorKernel>("to_feature_major"));
  r.add(kLacunaDomain, "FromFeatureMajor", make_impl<FromFeatureMajorKernel>("from_feature_major"));
}

}  // namespace lacuna::ops
