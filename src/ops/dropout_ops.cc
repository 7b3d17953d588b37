// Dropout: the identity at inference (a view of the input, with an all-true mask), and in
// training mode (opset 12+) a random mask drawn from the node's seeded generator.
#include <algorithm>
#include <cstring>
#include <optional>

#include "core/dispatch.h"
#include "kernels/ref/random.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/scalar_values.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class DropoutKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const ir::Attribute* s = attr("seed");
    rng_.emplace(s ? ref::seed_from_double(static_cast<double>(attr_int("seed", 0)))
                   : ref::nondeterministic_seed());
    // Until infer() sees the training_mode input, assume it may be true: a step whose shapes
    // are only known at run time fixes its aliasing before infer() runs.
    may_train_ = opset_ >= 12 && num_inputs_ > 2;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    // Training mode exists from opset 12 on, through the third input.
    if (opset_ >= 12 && ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kBool}));
      const Tensor* t = ctx.value(2);
      may_train_ = !t || (t->numel() == 1 && t->data<bool>()[0]);
    } else {
      may_train_ = false;
    }
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) ctx.set_output(1, DType::kBool, ctx.shape(0));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool training = false;
    double ratio = opset_ >= 12 ? 0.5 : attr_float("ratio", 0.5f);
    if (opset_ >= 12 && ctx.has_input(2)) {
      const Tensor& t = ctx.input(2);
      if (t.numel() != 1) return ctx.error("training_mode must hold one value");
      training = t.data<bool>()[0];
    }
    if (opset_ >= 12 && ctx.has_input(1)) {
      LACUNA_ASSIGN_OR_RETURN(ratio, scalar_double(ctx.input(1), node_ + ": ratio"));
    }
    if (training && !(ratio >= 0.0 && ratio < 1.0)) {
      return ctx.error("ratio must be in [0, 1), not " + std::to_string(ratio));
    }
    bool* mask = ctx.has_output(1) ? ctx.output(1).data<bool>() : nullptr;
    if (!training || ratio == 0.0) {
      if (y.raw() != x.raw()) copy(x, y);
      if (mask) std::fill_n(mask, x.numel(), true);
      return Status::ok();
    }
    const double scale = 1.0 / (1.0 - ratio);
    ref::NumpyRandom& g = *rng_;
    const bool ok = visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, bool>) return;
      const T* xd = x.data<T>();
      T* yd = y.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i) {
        const bool keep = g.uniform() >= ratio;
        yd[i] = from_double<T>(keep ? to_double(xd[i]) * scale : 0.0);
        if (mask) mask[i] = keep;
      }
    });
    return ok && x.dtype() != DType::kBool ? Status::ok() : dtype_not_supported(x.dtype());
  }

  bool foldable() const override { return opset_ < 12; }
  // A view only when training is ruled out at compile time; otherwise run() copies when needed.
  int output_alias(int i) const override { return i == 0 && !may_train_ ? 0 : -1; }

 private:
  static void copy(const Tensor& x, Tensor& y) {
    if (x.dtype() == DType::kString) {
      std::copy_n(x.data<std::string>(), x.numel(), y.data<std::string>());
    } else if (x.numel() > 0) {
      std::memcpy(y.raw(), x.raw(), x.nbytes());
    }
  }

  std::optional<ref::NumpyRandom> rng_;
  bool may_train_ = false;
};

}  // namespace

void register_dropout_ops(Registry& r) {
  r.add("", "Dropout", make_impl<DropoutKernel>("dropout"), /*any_dtype=*/true);
}

}  // namespace lacuna::ops
