// Broadcasting binary and variadic elementwise operators: arithmetic, comparison, logic, bit
// shifts, Where and PRelu.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/dispatch.h"
#include "kernels/ref/elementwise.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

enum class Category {
  kArith,    // numeric in, same dtype out
  kCompare,  // numeric in, bool out
  kLogical,  // bool in, bool out
  kBitwise,  // integers in, same out
};

template <class T>
constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

struct Add {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) { return static_cast<T>(a + b); }
};
struct Sub {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) { return static_cast<T>(a - b); }
};
struct Mul {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) { return static_cast<T>(a * b); }
};
struct Div {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) {
    if constexpr (kIsInt<T>) {
      return b == 0 ? T(0) : static_cast<T>(a / b);  // defined result instead of a trap
    } else {
      return a / b;
    }
  }
};
struct Max2 {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return a < b ? b : a;
  }
};
struct Min2 {
  static constexpr Category kCat = Category::kArith;
  template <class T> static T f(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return b < a ? b : a;
  }
};
struct Equal {
  static constexpr Category kCat = Category::kCompare;
  template <class T> static bool f(T a, T b) { return a == b; }
};
struct Less {
  static constexpr Category kCat = Category::kCompare;
  template <class T> static bool f(T a, T b) { return a < b; }
};
struct LessOrEqual {
  static constexpr Category kCat = Category::kCompare;
  template <class T> static bool f(T a, T b) { return a <= b; }
};
struct Greater {
  static constexpr Category kCat = Category::kCompare;
  template <class T> static bool f(T a, T b) { return a > b; }
};
struct GreaterOrEqual {
  static constexpr Category kCat = Category::kCompare;
  template <class T> static bool f(T a, T b) { return a >= b; }
};
struct And {
  static constexpr Category kCat = Category::kLogical;
  static bool f(bool a, bool b) { return a && b; }
};
struct Or {
  static constexpr Category kCat = Category::kLogical;
  static bool f(bool a, bool b) { return a || b; }
};
struct Xor {
  static constexpr Category kCat = Category::kLogical;
  static bool f(bool a, bool b) { return a != b; }
};
struct BitwiseAnd {
  static constexpr Category kCat = Category::kBitwise;
  template <class T> static T f(T a, T b) { return static_cast<T>(a & b); }
};
struct BitwiseOr {
  static constexpr Category kCat = Category::kBitwise;
  template <class T> static T f(T a, T b) { return static_cast<T>(a | b); }
};
struct BitwiseXor {
  static constexpr Category kCat = Category::kBitwise;
  template <class T> static T f(T a, T b) { return static_cast<T>(a ^ b); }
};

// Two-input broadcasting op of one Category.
template <class Op>
class BinaryKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    if (ctx.dtype(0) != ctx.dtype(1)) {
      return ctx.bad_input("input dtypes differ: " + std::string(dtype_name(ctx.dtype(0))) +
                           " and " + std::string(dtype_name(ctx.dtype(1))));
    }
    const DType t = ctx.dtype(0);
    if constexpr (Op::kCat == Category::kLogical) {
      if (t != DType::kBool) return ctx.bad_input("inputs must be bool");
    } else if constexpr (Op::kCat == Category::kBitwise) {
      if (!is_integral(t)) return ctx.bad_input("inputs must be integers");
    } else {
      if (t == DType::kBool && Op::kCat == Category::kCompare) {
        // Equal on bool is allowed.
      } else if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) {
        return dtype_not_supported(t);
      }
    }
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(1), &out);
    if (!s.is_ok()) return s.with_context(node_);
    const bool to_bool = Op::kCat == Category::kCompare || Op::kCat == Category::kLogical;
    ctx.set_output(0, to_bool ? DType::kBool : t, std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    if constexpr (Op::kCat == Category::kLogical) {
      ref::binary_broadcast(a.data<bool>(), a.shape(), b.data<bool>(), b.shape(), y.data<bool>(),
                            y.shape(), [](bool p, bool q) { return Op::f(p, q); });
      return Status::ok();
    } else {
      auto body = [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (Op::kCat == Category::kBitwise && !kIsInt<T>) {
          return;
        } else if constexpr (Op::kCat == Category::kCompare) {
          ref::binary_broadcast(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<bool>(),
                                y.shape(), [](T p, T q) { return Op::f(p, q); });
        } else {
          ref::binary_broadcast(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<T>(),
                                y.shape(), [](T p, T q) { return Op::template f<T>(p, q); });
        }
      };
      if (a.dtype() == DType::kBool && Op::kCat == Category::kCompare) {
        body(TypeTag<bool>{});
        return Status::ok();
      }
      if (!visit_arith(a.dtype(), body)) return dtype_not_supported(a.dtype());
      return Status::ok();
    }
  }
};

// Pow: the exponent may have another numeric dtype; the result has the base's dtype.
class PowKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(1), &out);
    if (!s.is_ok()) return s.with_context(node_);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    bool ok = false;
    visit_arith(a.dtype(), [&](auto ta) {
      using A = typename decltype(ta)::type;
      ok = visit_arith(b.dtype(), [&](auto tb) {
        using B = typename decltype(tb)::type;
        ref::binary_broadcast(a.data<A>(), a.shape(), b.data<B>(), b.shape(), y.data<A>(), y.shape(),
                              [](A p, B q) {
                                if constexpr (kIsInt<A> && kIsInt<B>) {
                                  // Exact integer power (negative exponents truncate to 0 or ±1).
                                  if constexpr (std::is_signed_v<B>) {
                                    if (q < 0) {
                                      if (p == 1) return A(1);
                                      if constexpr (std::is_signed_v<A>) {
                                        if (p == -1) return static_cast<A>((q & 1) ? -1 : 1);
                                      }
                                      return A(0);
                                    }
                                  }
                                  A r = 1;
                                  A base = p;
                                  auto e = static_cast<uint64_t>(q);
                                  while (e) {
                                    if (e & 1) r = static_cast<A>(r * base);
                                    base = static_cast<A>(base * base);
                                    e >>= 1;
                                  }
                                  return r;
                                } else {
                                  return static_cast<A>(std::pow(static_cast<double>(p), static_cast<double>(q)));
                                }
                              });
      });
    });
    return ok ? Status::ok() : dtype_not_supported(a.dtype());
  }
};

// Mod: fmod=1 follows C fmod (sign of the dividend); fmod=0 follows Python (sign of divisor).
class ModKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    fmod_ = attr_int("fmod", 0) != 0;
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    if (ctx.dtype(0) != ctx.dtype(1)) return ctx.bad_input("input dtypes differ");
    if (!fmod_ && (ctx.dtype(0) == DType::kFloat32 || ctx.dtype(0) == DType::kFloat64)) {
      return ctx.error("fmod must be 1 for floating-point inputs");
    }
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(1), &out);
    if (!s.is_ok()) return s.with_context(node_);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    const bool use_fmod = fmod_;
    bool ok = visit_arith(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::binary_broadcast(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<T>(), y.shape(),
                            [use_fmod](T p, T q) -> T {
                              if constexpr (std::is_floating_point_v<T>) {
                                return std::fmod(p, q);
                              } else {
                                if (q == 0) return T(0);
                                T r = static_cast<T>(p % q);
                                if (!use_fmod && r != 0 && ((r < 0) != (q < 0))) r = static_cast<T>(r + q);
                                return r;
                              }
                            });
    });
    return ok ? Status::ok() : dtype_not_supported(a.dtype());
  }

 private:
  bool fmod_ = false;
};

class BitShiftKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    const std::string d = attr_string("direction", "");
    if (d != "LEFT" && d != "RIGHT") return error("direction must be LEFT or RIGHT");
    left_ = d == "LEFT";
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kUint8, DType::kUint16, DType::kUint32, DType::kUint64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(1), &out);
    if (!s.is_ok()) return s.with_context(node_);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    const bool left = left_;
    visit_arith(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_unsigned_v<T>) {
        ref::binary_broadcast(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<T>(), y.shape(),
                              [left](T p, T q) -> T {
                                if (q >= sizeof(T) * 8) return T(0);
                                return static_cast<T>(left ? p << q : p >> q);
                              });
      }
    });
    return Status::ok();
  }

 private:
  bool left_ = true;
};

// Max, Min, Sum, Mean over any number of broadcast inputs.
template <class Op, bool kMean = false>
class VariadicKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (ctx.num_inputs() < 1) return ctx.error("needs at least one input");
    Shape out = ctx.shape(0);
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i));
      if (ctx.dtype(i) != ctx.dtype(0)) return ctx.bad_input("input dtypes differ");
      Status s = broadcast_shapes(out, ctx.shape(i), &out);
      if (!s.is_ok()) return s.with_context(node_);
    }
    const DType t = ctx.dtype(0);
    if (!is_integral(t) && t != DType::kFloat32 && t != DType::kFloat64) return dtype_not_supported(t);
    ctx.set_output(0, t, std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const int n = ctx.num_inputs();
    bool ok = visit_arith(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yd = y.data<T>();
      const Tensor& first = ctx.input(0);
      // Broadcast-copy the first input into y, then fold the others in.
      ref::binary_broadcast(first.data<T>(), first.shape(), first.data<T>(), first.shape(), yd, y.shape(),
                            [](T p, T) { return p; });
      for (int i = 1; i < n; ++i) {
        const Tensor& x = ctx.input(i);
        ref::binary_broadcast(yd, y.shape(), x.data<T>(), x.shape(), yd, y.shape(),
                              [](T p, T q) { return Op::template f<T>(p, q); });
      }
      if constexpr (kMean) {
        for (int64_t k = 0; k < y.numel(); ++k) yd[k] = static_cast<T>(yd[k] / static_cast<T>(n));
      }
    });
    return ok ? Status::ok() : dtype_not_supported(y.dtype());
  }
};

class WhereKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kBool}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(1)}));
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(1), &out);
    if (s.is_ok()) s = broadcast_shapes(out, ctx.shape(2), &out);
    if (!s.is_ok()) return s.with_context(node_);
    ctx.set_output(0, ctx.dtype(1), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& c = ctx.input(0);
    const Tensor& a = ctx.input(1);
    const Tensor& b = ctx.input(2);
    Tensor& y = ctx.output(0);
    const std::array<ref::DimVector, 3> st = {ref::broadcast_strides(c.shape(), y.shape()),
                                              ref::broadcast_strides(a.shape(), y.shape()),
                                              ref::broadcast_strides(b.shape(), y.shape())};
    const bool* cd = c.data<bool>();
    if (y.dtype() == DType::kString) {
      const auto* ad = a.data<std::string>();
      const auto* bd = b.data<std::string>();
      auto* yd = y.data<std::string>();
      ref::for_each_broadcast<3>(y.shape(), st, [&](int64_t o, const std::array<int64_t, 3>& p) {
        yd[o] = cd[p[0]] ? ad[p[1]] : bd[p[2]];
      });
      return Status::ok();
    }
    const size_t es = dtype_size(y.dtype());
    const auto* ad = static_cast<const uint8_t*>(a.raw());
    const auto* bd = static_cast<const uint8_t*>(b.raw());
    auto* yd = static_cast<uint8_t*>(y.raw());
    ref::for_each_broadcast<3>(y.shape(), st, [&](int64_t o, const std::array<int64_t, 3>& p) {
      const uint8_t* src = cd[p[0]] ? ad + p[1] * static_cast<int64_t>(es) : bd + p[2] * static_cast<int64_t>(es);
      std::memcpy(yd + o * static_cast<int64_t>(es), src, es);
    });
    return Status::ok();
  }
};

// PRelu: y = x < 0 ? slope * x : x, with slope broadcast to x.
class PReluKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    slope_shape_ = ctx.shape(1);
    // Before opset 7 a 1-D slope of C values applies per channel (axis 1), not to the last axis.
    const Shape& xs = ctx.shape(0);
    if (opset_ < 7 && slope_shape_.size() == 1 && xs.size() >= 2 && slope_shape_[0] == xs[1] &&
        slope_shape_[0] != 1) {
      slope_shape_.resize(xs.size() - 1, 1);
    }
    Shape out;
    Status s = broadcast_shapes(xs, slope_shape_, &out);
    if (!s.is_ok() || out != xs) {
      return ctx.bad_input("slope shape " + shape_to_string(ctx.shape(1)) + " does not broadcast to " +
                           shape_to_string(xs));
    }
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& s = ctx.input(1);
    Tensor& y = ctx.output(0);
    bool ok = visit_arith(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::binary_broadcast(x.data<T>(), x.shape(), s.data<T>(), slope_shape_, y.data<T>(), y.shape(),
                            [](T v, T k) { return v < T(0) ? static_cast<T>(v * k) : v; });
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }

 private:
  Shape slope_shape_;
};

}  // namespace

void register_elementwise_binary_ops(Registry& r) {
  r.add("", "Add", make_impl<BinaryKernel<Add>>("add_ref"));
  r.add("", "Sub", make_impl<BinaryKernel<Sub>>("sub_ref"));
  r.add("", "Mul", make_impl<BinaryKernel<Mul>>("mul_ref"));
  r.add("", "Div", make_impl<BinaryKernel<Div>>("div_ref"));
  r.add("", "Pow", make_impl<PowKernel>("pow_ref"));
  r.add("", "Mod", make_impl<ModKernel>("mod_ref"));
  r.add("", "BitShift", make_impl<BitShiftKernel>("bitshift_ref"));
  r.add("", "Equal", make_impl<BinaryKernel<Equal>>("equal_ref"));
  r.add("", "Less", make_impl<BinaryKernel<Less>>("less_ref"));
  r.add("", "LessOrEqual", make_impl<BinaryKernel<LessOrEqual>>("less_equal_ref"));
  r.add("", "Greater", make_impl<BinaryKernel<Greater>>("greater_ref"));
  r.add("", "GreaterOrEqual", make_impl<BinaryKernel<GreaterOrEqual>>("greater_equal_ref"));
  r.add("", "And", make_impl<BinaryKernel<And>>("and_ref"));
  r.add("", "Or", make_impl<BinaryKernel<Or>>("or_ref"));
  r.add("", "Xor", make_impl<BinaryKernel<Xor>>("xor_ref"));
  r.add("", "BitwiseAnd", make_impl<BinaryKernel<BitwiseAnd>>("bitwise_and_ref"));
  r.add("", "BitwiseOr", make_impl<BinaryKernel<BitwiseOr>>("bitwise_or_ref"));
  r.add("", "BitwiseXor", make_impl<BinaryKernel<BitwiseXor>>("bitwise_xor_ref"));
  r.add("", "Max", make_impl<VariadicKernel<Max2>>("max_ref"));
  r.add("", "Min", make_impl<VariadicKernel<Min2>>("min_ref"));
  r.add("", "Sum", make_impl<VariadicKernel<Add>>("sum_ref"));
  r.add("", "Mean", make_impl<VariadicKernel<Add, true>>("mean_ref"));
  r.add("", "Where", make_impl<WhereKernel>("where_ref"), /*any_dtype=*/true);
  r.add("", "PRelu", make_impl<PReluKernel>("prelu_ref"));
}

}  // namespace lacuna::ops
