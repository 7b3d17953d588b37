// Optimizers of the ai.onnx.preview.training domain: Adagrad, Adam and Momentum. Inputs are
// R (learning rate), T (update count), then n tensors X, n gradients G and n of each optimizer
// state; outputs are the n new X, then the n new values of each state.
#include <cmath>
#include <string>

#include "kernels/ref/optimizers.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/scalar_values.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

enum class Algo { kAdagrad, kAdam, kMomentum };

constexpr int num_states(Algo a) { return a == Algo::kAdam ? 2 : 1; }

template <Algo kAlgo>
class OptimizerKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  static constexpr int kGroups = 2 + num_states(kAlgo);  // X, G and the states

  Status init() {
    if constexpr (kAlgo == Algo::kMomentum) {
      for (const char* a : {"alpha", "beta", "norm_coefficient", "mode"}) {
        if (!attr(a)) return error(std::string("attribute '") + a + "' is required");
      }
      const std::string mode = attr_string("mode", "");
      if (mode != "standard" && mode != "nesterov") return error("mode must be standard or nesterov");
    }
    const int tensors = num_inputs_ - 2;
    if (tensors <= 0 || tensors % kGroups != 0) {
      return error("needs R, T and " + std::to_string(kGroups) + " inputs per optimized tensor");
    }
    n_ = tensors / kGroups;
    if (num_outputs_ > n_ * (1 + num_states(kAlgo))) return error("has too many outputs");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt64}));
    for (int i = 0; i < 2; ++i) {
      if (numel(ctx.shape(i)) != 1) return ctx.bad_input(std::string(i ? "T" : "R") + " must be a scalar");
    }
    for (int k = 0; k < n_; ++k) {
      const int x = 2 + k;
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(x, {DType::kFloat32, DType::kFloat64}));
      for (int grp = 1; grp < kGroups; ++grp) {
        const int i = x + grp * n_;
        LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(x)}));
        if (ctx.shape(i) != ctx.shape(x)) {
          return ctx.bad_input("input " + std::to_string(i) + " has shape " + shape_to_string(ctx.shape(i)) +
                               "; expected " + shape_to_string(ctx.shape(x)) + " like input " +
                               std::to_string(x));
        }
      }
      for (int grp = 0; grp < 1 + num_states(kAlgo); ++grp) {
        const int o = k + grp * n_;
        if (o < ctx.num_outputs() && ctx.outputs[static_cast<size_t>(o)].wanted) {
          ctx.set_output(o, ctx.dtype(x), ctx.shape(x));
        }
      }
    }
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    LACUNA_ASSIGN_OR_RETURN(const double r, scalar_double(ctx.input(0), node_ + ": R"));
    LACUNA_ASSIGN_OR_RETURN(const int64_t t, scalar_int(ctx.input(1), node_ + ": T"));
    for (int k = 0; k < n_; ++k) {
      Status s = ctx.input(2 + k).dtype() == DType::kFloat64 ? step<double>(ctx, k, r, t)
                                                             : step<float>(ctx, k, r, t);
      LACUNA_RETURN_IF_ERROR(s);
    }
    return Status::ok();
  }

 private:
  template <class T>
  Status step(RunContext& ctx, int k, double r, int64_t t) {
    auto in = [&](int grp) { return ctx.input(2 + k + grp * n_).template data<T>(); };
    // Omitted outputs still need somewhere to go.
    std::vector<std::vector<T>> spare;
    auto out = [&](int grp) -> T* {
      const int o = k + grp * n_;
      if (ctx.has_output(o)) return ctx.output(o).template data<T>();
      spare.emplace_back(static_cast<size_t>(ctx.input(2 + k).numel()));
      return spare.back().data();
    };
    const int64_t n = ctx.input(2 + k).numel();
    spare.reserve(3);
    if constexpr (kAlgo == Algo::kAdagrad) {
      ref::AdagradParams p;
      p.rate = r / (1.0 + static_cast<double>(t) * attr_float("decay_factor", 0.f));
      p.epsilon = attr_float("epsilon", 1e-6f);
      p.norm_coefficient = attr_float("norm_coefficient", 0.f);
      ref::adagrad_step(p, in(0), in(1), in(2), n, out(0), out(1));
    } else if constexpr (kAlgo == Algo::kAdam) {
      ref::AdamParams p;
      p.alpha = attr_float("alpha", 0.9f);
      p.beta = attr_float("beta", 0.999f);
      p.epsilon = attr_float("epsilon", 1e-6f);
      p.norm_coefficient = attr_float("norm_coefficient", 0.f);
      p.norm_coefficient_post = attr_float("norm_coefficient_post", 0.f);
      // Bias correction of both moments (none before the first counted update).
      const auto td = static_cast<double>(t);
      p.rate = t > 0 ? r * std::sqrt(1.0 - std::pow(p.beta, td)) / (1.0 - std::pow(p.alpha, td)) : r;
      ref::adam_step(p, in(0), in(1), in(2), in(3), n, out(0), out(1), out(2));
    } else {
      ref::MomentumParams p;
      p.rate = r;
      p.alpha = attr_float("alpha", 0.f);
      // The first update (T == 0) takes the whole gradient.
      p.beta = t > 0 ? attr_float("beta", 0.f) : 1.0;
      p.norm_coefficient = attr_float("norm_coefficient", 0.f);
      p.nesterov = attr_string("mode", "standard") == "nesterov";
      ref::momentum_step(p, in(0), in(1), in(2), n, out(0), out(1));
    }
    return Status::ok();
  }

  int n_ = 0;
};

}  // namespace

void register_training_ops(Registry& r) {
  const std::string domain = "ai.onnx.preview.training";
  r.add(domain, "Adagrad", make_impl<OptimizerKernel<Algo::kAdagrad>>("adagrad_ref"));
  r.add(domain, "Adam", make_impl<OptimizerKernel<Algo::kAdam>>("adam_ref"));
  r.add(domain, "Momentum", make_impl<OptimizerKernel<Algo::kMomentum>>("momentum_ref"));
}

}  // namespace lacuna::ops
