// Random generators: RandomNormal, RandomUniform (and their *Like forms), Bernoulli and
// Multinomial. Each node owns one generator, seeded from `seed` when given, which advances
// from run to run; none of them may be folded into a constant.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "core/dispatch.h"
#include "ir/dtype_codes.h"
#include "kernels/ref/random.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

bool is_float_dtype(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16;
}

class RandomBase : public KernelBase {
 public:
  using KernelBase::KernelBase;
  bool foldable() const override { return false; }

 protected:
  Status init_random() {
    const ir::Attribute* s = attr("seed");
    rng_.emplace(s ? ref::seed_from_double(attr_float("seed", 0.f)) : ref::nondeterministic_seed());
    if (const ir::Attribute* d = attr("dtype")) {
      auto t = ir::dtype_from_code(d->i);
      if (!t) return t.status().with_context(node_);
      dtype_ = *t;
    }
    return Status::ok();
  }

  // Fills y with draw() converted to y's dtype.
  template <class Draw>
  Status fill(Tensor& y, Draw&& draw) {
    const bool ok = visit_numeric(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = y.data<T>();
      for (int64_t i = 0; i < y.numel(); ++i) d[i] = from_double<T>(draw(i));
    });
    return ok ? Status::ok() : dtype_not_supported(y.dtype());
  }

  std::optional<ref::NumpyRandom> rng_;
  std::optional<DType> dtype_;  // the `dtype` attribute, when given
};

enum class Dist { kNormal, kUniform };

// RandomNormal / RandomUniform (shape from the attribute) and the *Like forms (shape, and by
// default dtype, from the input).
template <Dist kDist, bool kLike>
class RandomKernel : public RandomBase {
 public:
  using RandomBase::RandomBase;

  Status init() {
    LACUNA_RETURN_IF_ERROR(init_random());
    if constexpr (kDist == Dist::kNormal) {
      a_ = attr_float("mean", 0.f);
      b_ = attr_float("scale", 1.f);
    } else {
      a_ = attr_float("low", 0.f);
      b_ = attr_float("high", 1.f);
    }
    if constexpr (!kLike) {
      const ir::Attribute* s = attr("shape");
      if (!s) return error("attribute 'shape' is required");
      shape_ = s->ints;
      for (int64_t d : shape_) {
        if (d < 0) return error("shape has a negative dimension");
      }
      LACUNA_RETURN_IF_ERROR(checked_numel(shape_).status().with_context(node_));
    }
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    DType t = dtype_.value_or(DType::kFloat32);
    Shape shape = shape_;
    if constexpr (kLike) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
      if (!dtype_) t = ctx.dtype(0);
      shape = ctx.shape(0);
    }
    if (!is_float_dtype(t))
      return ctx.bad_input("output dtype must be a floating-point type, not " + std::string(dtype_name(t)));
    ctx.set_output(0, t, std::move(shape));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    ref::NumpyRandom& g = *rng_;
    const double a = a_, b = b_;
    if constexpr (kDist == Dist::kNormal)
      return fill(ctx.output(0), [&](int64_t) { return a + b * g.gauss(); });
    return fill(ctx.output(0), [&](int64_t) { return a + (b - a) * g.uniform(); });
  }

 private:
  double a_ = 0, b_ = 1;
  Shape shape_;
};

// Bernoulli: y[i] = 1 with probability x[i].
class BernoulliKernel : public RandomBase {
 public:
  using RandomBase::RandomBase;
  Status init() { return init_random(); }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const DType t = dtype_.value_or(ctx.dtype(0));
    if (t == DType::kString) return ctx.bad_input("output dtype must be numeric or bool");
    ctx.set_output(0, t, ctx.shape(0));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const std::vector<double> p = x.to_double_vector();
    ref::NumpyRandom& g = *rng_;
    return fill(ctx.output(0),
                [&](int64_t i) { return g.uniform() < p[static_cast<size_t>(i)] ? 1.0 : 0.0; });
  }
};

// Multinomial: sample_size class indices per row of unnormalized log-probabilities.
class MultinomialKernel : public RandomBase {
 public:
  using RandomBase::RandomBase;
  Status init() {
    LACUNA_RETURN_IF_ERROR(init_random());
    if (dtype_ && *dtype_ != DType::kInt32 && *dtype_ != DType::kInt64)
      return error("dtype must be int32 or int64");
    samples_ = attr_int("sample_size", 1);
    if (samples_ < 0) return error("sample_size must not be negative");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    if (ctx.rank(0) != 2)
      return ctx.bad_input("input must be [batch, classes], not " + shape_to_string(ctx.shape(0)));
    Shape y{ctx.shape(0)[0], samples_};
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    ctx.set_output(0, dtype_.value_or(DType::kInt32), std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t batch = x.shape()[0], classes = x.shape()[1];
    if (classes == 0) {
      if (batch > 0 && samples_ > 0) return ctx.error("cannot sample from zero classes");
      return Status::ok();
    }
    const std::vector<double> logits = x.to_double_vector();
    std::vector<double> cum(static_cast<size_t>(classes));
    std::vector<int64_t> picks(static_cast<size_t>(batch * samples_));
    ref::NumpyRandom& g = *rng_;
    for (int64_t b = 0; b < batch; ++b) {
      const double* l = logits.data() + b * classes;
      const double mx = *std::max_element(l, l + classes);
      double total = 0;
      for (int64_t k = 0; k < classes; ++k) {
        total += std::isfinite(mx) ? std::exp(l[k] - mx) : (l[k] == mx ? 1.0 : 0.0);
        cum[static_cast<size_t>(k)] = total;
      }
      for (int64_t s = 0; s < samples_; ++s) {
        const double u = g.uniform() * total;
        const auto it = std::upper_bound(cum.begin(), cum.end(), u);
        const int64_t k = it == cum.end() ? classes - 1 : it - cum.begin();
        picks[static_cast<size_t>(b * samples_ + s)] = k;
      }
    }
    return fill(ctx.output(0), [&](int64_t i) { return static_cast<double>(picks[static_cast<size_t>(i)]); });
  }

 private:
  int64_t samples_ = 1;
};

}  // namespace

void register_random_ops(Registry& r) {
  r.add("", "RandomNormal", make_impl<RandomKernel<Dist::kNormal, false>>("random_normal_ref"));
  r.add("", "RandomUniform", make_impl<RandomKernel<Dist::kUniform, false>>("random_uniform_ref"));
  // The *Like forms only read their input's shape and dtype, so 16-bit inputs stay as they are.
  r.add("", "RandomNormalLike", make_impl<RandomKernel<Dist::kNormal, true>>("random_normal_like_ref"), true);
  r.add("", "RandomUniformLike", make_impl<RandomKernel<Dist::kUniform, true>>("random_uniform_like_ref"),
        true);
  r.add("", "Bernoulli", make_impl<BernoulliKernel>("bernoulli_ref"));
  r.add("", "Multinomial", make_impl<MultinomialKernel>("multinomial_ref"));
}

}  // namespace lacuna::ops
