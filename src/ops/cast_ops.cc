// Cast and CastLike between every numeric dtype, bool and string.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/dispatch.h"
#include "core/saturate.h"
#include "ir/dtype_codes.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

std::string format_float(double v, bool single) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "-INF";
  char buf[64];
  // Shortest representation that round-trips, as numpy does.
  auto r = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                  : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Status cast_tensor(const Tensor& x, Tensor& y, const std::string& node) {
  const DType from = x.dtype();
  const DType to = y.dtype();
  const int64_t n = x.numel();
  if (from == to) {
    if (from == DType::kString) {
      for (int64_t i = 0; i < n; ++i) y.data<std::string>()[i] = x.data<std::string>()[i];
    } else if (n) {
      std::memcpy(y.raw(), x.raw(), x.nbytes());
    }
    return Status::ok();
  }
  if (from == DType::kString) {
    const auto* s = x.data<std::string>();
    bool ok = visit_numeric(to, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = y.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const std::string& str = s[i];
        double v;
        if (str == "NaN" || str == "nan") v = std::nan("");
        else if (str == "INF" || str == "inf" || str == "+INF" || str == "+inf") v = INFINITY;
        else if (str == "-INF" || str == "-inf") v = -INFINITY;
        else v = std::strtod(str.c_str(), nullptr);
        if constexpr (std::is_same_v<T, int64_t>) {
          d[i] = std::strtoll(str.c_str(), nullptr, 10);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          d[i] = std::strtoull(str.c_str(), nullptr, 10);
        } else {
          d[i] = saturate_cast<T>(v);
        }
      }
    });
    return ok ? Status::ok() : unsupported(node + ": cannot cast string to " + std::string(dtype_name(to)));
  }
  if (to == DType::kString) {
    auto* d = y.data<std::string>();
    bool ok = visit_numeric(from, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = x.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          d[i] = format_float(to_double(s[i]), true);
        } else if constexpr (std::is_same_v<T, double>) {
          d[i] = format_float(s[i], false);
        } else if constexpr (std::is_same_v<T, bool>) {
          d[i] = s[i] ? "1" : "0";
        } else {
          d[i] = std::to_string(s[i]);
        }
      }
    });
    return ok ? Status::ok() : unsupported(node + ": cannot cast to string");
  }
  bool ok = visit_numeric(from, [&](auto tf) {
    using F = typename decltype(tf)::type;
    visit_numeric(to, [&](auto tt) {
      using T = typename decltype(tt)::type;
      const F* s = x.data<F>();
      T* d = y.data<T>();
      constexpr bool kExactInts = std::is_integral_v<F> && std::is_integral_v<T>;
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          d[i] = to_double(s[i]) != 0.0;
        } else if constexpr (kExactInts) {
          d[i] = static_cast<T>(s[i]);  // wraps like C/numpy
        } else if constexpr (std::is_same_v<F, float> && std::is_same_v<T, Half>) {
          d[i] = Half{float_to_half(static_cast<float>(to_double(s[i])))};
        } else {
          d[i] = saturate_cast<T>(to_double(s[i]));
        }
      }
    });
  });
  return ok ? Status::ok() : unsupported(node + ": cannot cast " + std::string(dtype_name(from)));
}

class CastKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    const ir::Attribute* a = attr("to");
    if (!a) return error("attribute 'to' is required");
    if (a->kind == ir::Attribute::Kind::kString) {  // opset 1 used type names
      auto t = dtype_from_name(a->s == "FLOAT" ? "float32" : a->s);
      if (!t) return error("unknown type '" + a->s + "'");
      to_ = *t;
      return Status::ok();
    }
    auto t = ir::dtype_from_code(a->i);
    if (!t) return t.status().with_context(node_);
    to_ = *t;
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    ctx.set_output(0, to_, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override { return cast_tensor(ctx.input(0), ctx.output(0), node_); }

 private:
  DType to_ = DType::kUndefined;
};

class CastLikeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    ctx.set_output(0, ctx.dtype(1), ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override { return cast_tensor(ctx.input(0), ctx.output(0), node_); }
};

}  // namespace

void register_cast_ops(Registry& r) {
  r.add("", "Cast", make_impl<CastKernel>("cast"), true);
  r.add("", "CastLike", make_impl<CastLikeKernel>("castlike"), true);
}

}  // namespace lacuna::ops
