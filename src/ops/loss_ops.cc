// Loss operators: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (with the optional
// log_prob output), with class weights, ignore_index and none/sum/mean reductions.
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/loss.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/run_buffer.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Shared by both losses: attributes, shape checks, and the NLL computation.
class LossBase : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const std::string r = attr_string("reduction", "mean");
    if (r == "none") {
      reduction_ = ref::LossReduction::kNone;
    } else if (r == "sum") {
      reduction_ = ref::LossReduction::kSum;
    } else if (r == "mean") {
      reduction_ = ref::LossReduction::kMean;
    } else {
      return error("reduction must be none, sum or mean, not '" + r + "'");
    }
    has_ignore_ = attr("ignore_index") != nullptr;
    ignore_ = attr_int("ignore_index", 0);
    return Status::ok();
  }

 protected:
  // Validates input 0 [N, C, d...], target 1 [N, d...], optional weight 2 [C]; sets output 0.
  Status infer_loss(InferContext& ctx) {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    const Shape& x = ctx.shape(0);
    const Shape& t = ctx.shape(1);
    if (x.size() < 2) return ctx.bad_input("input must have rank >= 2 ([N, C, ...])");
    bool ok = t.size() + 1 == x.size() && t[0] == x[0];
    for (size_t i = 1; ok && i < t.size(); ++i) ok = t[i] == x[i + 1];
    if (!ok) {
      return ctx.bad_input("target shape " + shape_to_string(t) + " does not match input shape " +
                           shape_to_string(x));
    }
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
      if (ctx.shape(2) != Shape{x[1]}) {
        return ctx.bad_input("weight must have shape [" + std::to_string(x[1]) + "], not " +
                             shape_to_string(ctx.shape(2)));
      }
    }
    ctx.set_output(0, ctx.dtype(0), reduction_ == ref::LossReduction::kNone ? t : Shape{});
    return Status::ok();
  }

  // Computes the loss from log-probabilities `logp` shaped like input 0.
  Status compute_nll(RunContext& ctx, const Tensor& logp) {
    const Tensor& target = ctx.input(1);
    const Tensor* weight = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    ref::NllParams p;
    p.n = logp.dim(0);
    p.c = logp.dim(1);
    for (int d = 2; d < logp.rank(); ++d) p.d *= logp.dim(d);
    p.has_ignore_index = has_ignore_;
    p.ignore_index = ignore_;
    p.reduction = reduction_;
    int64_t bad = -1;
    bool ok = visit_float(logp.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* w = weight ? weight->data<T>() : nullptr;
      T* y = ctx.output(0).data<T>();
      if (target.dtype() == DType::kInt32) {
        bad = ref::nll_loss(logp.data<T>(), target.data<int32_t>(), w, p, y);
      } else {
        bad = ref::nll_loss(logp.data<T>(), target.data<int64_t>(), w, p, y);
      }
    });
    if (!ok) return dtype_not_supported(logp.dtype());
    if (bad >= 0) {
      return ctx.error("target " + std::to_string(target.to_int64_vector()[static_cast<size_t>(bad)]) +
                       " at position " + std::to_string(bad) + " is outside [0, " + std::to_string(p.c) +
                       ")");
    }
    return Status::ok();
  }

  ref::LossReduction reduction_ = ref::LossReduction::kMean;
  bool has_ignore_ = false;
  int64_t ignore_ = 0;
};

class NllLossKernel : public LossBase {
 public:
  using LossBase::LossBase;
  Status infer(InferContext& ctx) override { return infer_loss(ctx); }
  Status run(RunContext& ctx) override { return compute_nll(ctx, ctx.input(0)); }
};

class SoftmaxCrossEntropyKernel : public LossBase {
 public:
  using LossBase::LossBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(infer_loss(ctx));
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) ctx.set_output(1, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override {
    planned_ = RunBuffer::can_plan(ctx);
    if (planned_) ctx.scratch_bytes = static_cast<size_t>(numel(ctx.shape(0))) * dtype_size(ctx.dtype(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    // Without the log_prob output, the log-probabilities go to temporary memory.
    RunBuffer buf(ctx, planned_ || ctx.has_output(1), ctx.has_output(1) ? 0 : x.nbytes());
    Tensor logp = ctx.has_output(1) ? ctx.output(1) : Tensor::wrap(x.dtype(), x.shape(), buf.as<void>());
    int64_t d = 1;
    for (int i = 2; i < x.rank(); ++i) d *= x.dim(i);
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::log_softmax_ncd(x.data<T>(), x.dim(0), x.dim(1), d, logp.data<T>());
    });
    return compute_nll(ctx, logp);
  }

 private:
  bool planned_ = false;
};

}  // namespace

void register_loss_ops(Registry& r) {
  r.add("", "NegativeLogLikelihoodLoss", make_impl<NllLossKernel>("nll_loss_ref"));
  r.add("", "SoftmaxCrossEntropyLoss", make_impl<SoftmaxCrossEntropyKernel>("softmax_cross_entropy_ref"));
}

}  // namespace lacuna::ops
