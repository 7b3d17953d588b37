// Unary elementwise operators and activations (with their attributes), plus Clip.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/dispatch.h"
#include "core/saturate.h"
#include "kernels/ref/elementwise.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Which dtypes a unary op accepts.
enum class Domain { kFloat, kSigned, kNumeric, kBool, kInteger };

struct Params {
  float alpha = 0.f;
  float beta = 0.f;
  float gamma = 0.f;
  bool flag_a = true;
  bool flag_b = true;
};

template <class T>
constexpr bool kInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// A unary op: a functor over float/double (and integers where the domain allows).
template <class F>
class UnaryKernel : public KernelBase {
 public:
  UnaryKernel(const ir::Node& n, int64_t opset) : KernelBase(n, opset) { F::read(n, &p_); }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const DType t = ctx.dtype(0);
    bool ok = false;
    switch (F::kDomain) {
      case Domain::kFloat: ok = t == DType::kFloat32 || t == DType::kFloat64; break;
      case Domain::kSigned:
        ok = t == DType::kFloat32 || t == DType::kFloat64 || (is_integral(t) && is_signed(t));
        break;
      case Domain::kNumeric: ok = t == DType::kFloat32 || t == DType::kFloat64 || is_integral(t); break;
      case Domain::kBool: ok = t == DType::kBool; break;
      case Domain::kInteger: ok = is_integral(t); break;
    }
    if (!ok) return dtype_not_supported(t);
    ctx.set_output(0, F::kToBool ? DType::kBool : t, ctx.shape(0));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const Params p = p_;
    if (x.dtype() == DType::kBool) {
      if constexpr (F::kDomain == Domain::kBool) {
        ref::unary_map(x.data<bool>(), y.data<bool>(), x.numel(), [&](bool v) { return F::f(v, p); });
      }
      return Status::ok();
    }
    auto body = [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (F::kDomain == Domain::kBool) {
        return;
      } else if constexpr (F::kToBool) {
        ref::unary_map(x.data<T>(), y.data<bool>(), x.numel(), [&](T v) { return F::template f<T>(v, p); });
      } else {
        ref::unary_map(x.data<T>(), y.data<T>(), x.numel(), [&](T v) { return F::template f<T>(v, p); });
      }
    };
    bool ok;
    if constexpr (F::kDomain == Domain::kFloat) {
      ok = visit_float(x.dtype(), body);
    } else {
      ok = visit_arith(x.dtype(), body);
    }
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }
  int output_inplace(int) const override { return 0; }

 private:
  Params p_;
};

// Functor helpers. `read` pulls attributes; `f` computes.
struct NoAttrs {
  template <class K> static void read(const K&, Params*) {}
  static constexpr bool kToBool = false;
};

#define LACUNA_FLOAT_UNARY(Name, expr)                                  \
  struct Name : NoAttrs {                                               \
    static constexpr Domain kDomain = Domain::kFloat;                   \
    template <class T> static T f(T x, const Params&) { return expr; }  \
  };
LACUNA_FLOAT_UNARY(Sqrt, std::sqrt(x))
LACUNA_FLOAT_UNARY(Exp, std::exp(x))
LACUNA_FLOAT_UNARY(Log, std::log(x))
LACUNA_FLOAT_UNARY(Reciprocal, T(1) / x)
LACUNA_FLOAT_UNARY(Sigmoid, x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x)))
LACUNA_FLOAT_UNARY(Tanh, std::tanh(x))
LACUNA_FLOAT_UNARY(Erf, std::erf(x))
LACUNA_FLOAT_UNARY(Sin, std::sin(x))
LACUNA_FLOAT_UNARY(Cos, std::cos(x))
LACUNA_FLOAT_UNARY(Tan, std::tan(x))
LACUNA_FLOAT_UNARY(Asin, std::asin(x))
LACUNA_FLOAT_UNARY(Acos, std::acos(x))
LACUNA_FLOAT_UNARY(Atan, std::atan(x))
LACUNA_FLOAT_UNARY(Sinh, std::sinh(x))
LACUNA_FLOAT_UNARY(Cosh, std::cosh(x))
LACUNA_FLOAT_UNARY(Asinh, std::asinh(x))
LACUNA_FLOAT_UNARY(Acosh, std::acosh(x))
LACUNA_FLOAT_UNARY(Atanh, std::atanh(x))
LACUNA_FLOAT_UNARY(Floor, std::floor(x))
LACUNA_FLOAT_UNARY(Ceil, std::ceil(x))
LACUNA_FLOAT_UNARY(Round, std::nearbyint(x))  // default rounding mode: half to even
LACUNA_FLOAT_UNARY(Softplus, x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)))
LACUNA_FLOAT_UNARY(Softsign, x / (T(1) + std::abs(x)))
LACUNA_FLOAT_UNARY(Mish, x * std::tanh(x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x))))
LACUNA_FLOAT_UNARY(HardSwish, x * std::max(T(0), std::min(T(1), x / T(6) + T(0.5))))
LACUNA_FLOAT_UNARY(GeluErf, T(0.5) * x * (T(1) + std::erf(x / std::sqrt(T(2)))))
LACUNA_FLOAT_UNARY(GeluTanh, T(0.5) * x * (T(1) + std::tanh(std::sqrt(T(2) / T(M_PI)) * (x + T(0.044715) * x * x * x))))
#undef LACUNA_FLOAT_UNARY

struct Abs : NoAttrs {
  static constexpr Domain kDomain = Domain::kNumeric;
  template <class T> static T f(T x, const Params&) {
    if constexpr (std::is_unsigned_v<T>) return x;
    else return x < T(0) ? static_cast<T>(-x) : x;
  }
};
struct Neg : NoAttrs {
  static constexpr Domain kDomain = Domain::kSigned;
  template <class T> static T f(T x, const Params&) { return static_cast<T>(-x); }
};
struct Sign : NoAttrs {
  static constexpr Domain kDomain = Domain::kNumeric;
  template <class T> static T f(T x, const Params&) {
    return static_cast<T>(x > T(0) ? 1 : (x < T(0) ? -1 : 0));
  }
};
struct Relu : NoAttrs {
  static constexpr Domain kDomain = Domain::kSigned;
  template <class T> static T f(T x, const Params&) { return x < T(0) ? T(0) : x; }
};
struct Not : NoAttrs {
  static constexpr Domain kDomain = Domain::kBool;
  static bool f(bool x, const Params&) { return !x; }
  template <class T> static T f(T x, const Params&) { return x; }
};
struct BitwiseNot : NoAttrs {
  static constexpr Domain kDomain = Domain::kInteger;
  template <class T> static T f(T x, const Params&) {
    if constexpr (kInt<T>) return static_cast<T>(~x);
    else return x;
  }
};
struct IsNaN {
  static constexpr Domain kDomain = Domain::kFloat;
  static constexpr bool kToBool = true;
  template <class K> static void read(const K&, Params*) {}
  template <class T> static bool f(T x, const Params&) { return std::isnan(x); }
};
struct IsInf {
  static constexpr Domain kDomain = Domain::kFloat;
  static constexpr bool kToBool = true;
  template <class K> static void read(const K& k, Params* p) {
    p->flag_a = k.attr_int("detect_positive", 1) != 0;
    p->flag_b = k.attr_int("detect_negative", 1) != 0;
  }
  template <class T> static bool f(T x, const Params& p) {
    return std::isinf(x) && ((x > 0 && p.flag_a) || (x < 0 && p.flag_b));
  }
};

// Activations with attributes (defaults from the ONNX spec).
#define LACUNA_ATTR_UNARY(Name, a_name, a_def, b_name, b_def, expr)              \
  struct Name {                                                                  \
    static constexpr Domain kDomain = Domain::kFloat;                            \
    static constexpr bool kToBool = false;                                       \
    template <class K> static void read(const K& k, Params* p) {                 \
      p->alpha = k.attr_float(a_name, a_def);                                     \
      p->beta = k.attr_float(b_name, b_def);                                      \
    }                                                                            \
    template <class T> static T f(T x, const Params& p) {                        \
      const T alpha = static_cast<T>(p.alpha);                                   \
      const T beta = static_cast<T>(p.beta);                                     \
      (void)alpha;                                                               \
      (void)beta;                                                                \
      return expr;                                                               \
    }                                                                            \
  };
LACUNA_ATTR_UNARY(Elu, "alpha", 1.f, "", 0.f, x >= T(0) ? x : alpha * (std::exp(x) - T(1)))
LACUNA_ATTR_UNARY(Celu, "alpha", 1.f, "", 0.f,
                  std::max(T(0), x) + std::min(T(0), alpha * (std::exp(x / alpha) - T(1))))
LACUNA_ATTR_UNARY(LeakyRelu, "alpha", 0.01f, "", 0.f, x >= T(0) ? x : alpha * x)
LACUNA_ATTR_UNARY(ThresholdedRelu, "alpha", 1.f, "", 0.f, x > alpha ? x : T(0))
LACUNA_ATTR_UNARY(HardSigmoid, "alpha", 0.2f, "beta", 0.5f, std::max(T(0), std::min(T(1), alpha * x + beta)))
LACUNA_ATTR_UNARY(Shrink, "lambd", 0.5f, "bias", 0.f,
                  x < -alpha ? x + beta : (x > alpha ? x - beta : T(0)))
#undef LACUNA_ATTR_UNARY

struct Selu {
  static constexpr Domain kDomain = Domain::kFloat;
  static constexpr bool kToBool = false;
  template <class K> static void read(const K& k, Params* p) {
    p->alpha = k.attr_float("alpha", 1.67326319217681884765625f);
    p->gamma = k.attr_float("gamma", 1.05070102214813232421875f);
  }
  template <class T> static T f(T x, const Params& p) {
    return static_cast<T>(p.gamma) * (x > T(0) ? x : static_cast<T>(p.alpha) * (std::exp(x) - T(1)));
  }
};

// Gelu (opset 20 and com.microsoft): approximate="none" (erf) or "tanh".
class GeluKernel : public UnaryKernel<GeluErf> {
 public:
  GeluKernel(const ir::Node& n, int64_t opset) : UnaryKernel<GeluErf>(n, opset), tanh_(n.attr_string("approximate", "none") == "tanh") {}
  Status run(RunContext& ctx) override {
    if (!tanh_) return UnaryKernel<GeluErf>::run(ctx);
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::unary_map(x.data<T>(), y.data<T>(), x.numel(), [](T v) { return GeluTanh::f<T>(v, Params{}); });
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  bool tanh_;
};

// Clip: bounds are attributes before opset 11 and optional inputs from opset 11.
class ClipKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const DType t = ctx.dtype(0);
    if (t != DType::kFloat32 && t != DType::kFloat64 && !is_integral(t)) return dtype_not_supported(t);
    for (int i = 1; i < 3; ++i) {
      if (!ctx.has_input(i)) continue;
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {t}));
      if (numel(ctx.shape(i)) != 1) return ctx.bad_input("min/max must be scalars");
    }
    ctx.set_output(0, t, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T lo = std::numeric_limits<T>::lowest();
      T hi = std::numeric_limits<T>::max();
      if (opset_ < 11) {  // float bounds; saturate them into T's range
        lo = saturate_cast<T>(attr_float("min", -std::numeric_limits<float>::max()));
        hi = saturate_cast<T>(attr_float("max", std::numeric_limits<float>::max()));
      } else {
        if (ctx.has_input(1)) lo = ctx.input(1).data<T>()[0];
        if (ctx.has_input(2)) hi = ctx.input(2).data<T>()[0];
      }
      ref::unary_map(x.data<T>(), y.data<T>(), x.numel(), [lo, hi](T v) {
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(v)) return v;
        }
        return v < lo ? lo : (v > hi ? hi : v);
      });
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }
  int output_inplace(int) const override { return 0; }
};

template <class F>
void add_unary(Registry& r, const char* op, const char* impl, const char* domain = "") {
  r.add(domain, op, make_impl<UnaryKernel<F>>(impl));
}

}  // namespace

void register_elementwise_unary_ops(Registry& r) {
  add_unary<Abs>(r, "Abs", "abs_ref");
  add_unary<Neg>(r, "Neg", "neg_ref");
  add_unary<Sign>(r, "Sign", "sign_ref");
  add_unary<Relu>(r, "Relu", "relu_ref");
  add_unary<Not>(r, "Not", "not_ref");
  add_unary<BitwiseNot>(r, "BitwiseNot", "bitwise_not_ref");
  add_unary<IsNaN>(r, "IsNaN", "isnan_ref");
  add_unary<IsInf>(r, "IsInf", "isinf_ref");
  add_unary<Sqrt>(r, "Sqrt", "sqrt_ref");
  add_unary<Exp>(r, "Exp", "exp_ref");
  add_unary<Log>(r, "Log", "log_ref");
  add_unary<Reciprocal>(r, "Reciprocal", "reciprocal_ref");
  add_unary<Sigmoid>(r, "Sigmoid", "sigmoid_ref");
  add_unary<Tanh>(r, "Tanh", "tanh_ref");
  add_unary<Erf>(r, "Erf", "erf_ref");
  add_unary<Sin>(r, "Sin", "sin_ref");
  add_unary<Cos>(r, "Cos", "cos_ref");
  add_unary<Tan>(r, "Tan", "tan_ref");
  add_unary<Asin>(r, "Asin", "asin_ref");
  add_unary<Acos>(r, "Acos", "acos_ref");
  add_unary<Atan>(r, "Atan", "atan_ref");
  add_unary<Sinh>(r, "Sinh", "sinh_ref");
  add_unary<Cosh>(r, "Cosh", "cosh_ref");
  add_unary<Asinh>(r, "Asinh", "asinh_ref");
  add_unary<Acosh>(r, "Acosh", "acosh_ref");
  add_unary<Atanh>(r, "Atanh", "atanh_ref");
  add_unary<Floor>(r, "Floor", "floor_ref");
  add_unary<Ceil>(r, "Ceil", "ceil_ref");
  add_unary<Round>(r, "Round", "round_ref");
  add_unary<Softplus>(r, "Softplus", "softplus_ref");
  add_unary<Softsign>(r, "Softsign", "softsign_ref");
  add_unary<Mish>(r, "Mish", "mish_ref");
  add_unary<HardSwish>(r, "HardSwish", "hardswish_ref");
  add_unary<Elu>(r, "Elu", "elu_ref");
  add_unary<Celu>(r, "Celu", "celu_ref");
  add_unary<Selu>(r, "Selu", "selu_ref");
  add_unary<LeakyRelu>(r, "LeakyRelu", "leakyrelu_ref");
  add_unary<ThresholdedRelu>(r, "ThresholdedRelu", "thresholdedrelu_ref");
  add_unary<HardSigmoid>(r, "HardSigmoid", "hardsigmoid_ref");
  add_unary<Shrink>(r, "Shrink", "shrink_ref");
  r.add("", "Gelu", make_impl<GeluKernel>("gelu_ref"));
  r.add("com.microsoft", "Gelu", make_impl<GeluKernel>("gelu_ref"));
  r.add("", "Clip", make_impl<ClipKernel>("clip_ref"));
}

}  // namespace lacuna::ops
