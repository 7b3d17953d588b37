// Operators that build tensors from a pattern: Range, EyeLike, OneHot and Trilu.
#include <cmath>
#include <limits>

#include "core/dispatch.h"
#include "ir/dtype_codes.h"
#include "kernels/ref/generate.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// The number of elements in [start, limit) stepping by delta (delta != 0), without overflow.
template <class T>
int64_t range_count(T start, T limit, T delta) {
  if constexpr (std::is_floating_point_v<T>) {
    const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
    if (!(n > 0)) return 0;
    return n >= 9.0e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(n);
  } else {
    const auto s = static_cast<int64_t>(start), l = static_cast<int64_t>(limit), d = static_cast<int64_t>(delta);
    if (d > 0 ? l <= s : l >= s) return 0;
    const uint64_t diff = d > 0 ? static_cast<uint64_t>(l) - static_cast<uint64_t>(s)
                                : static_cast<uint64_t>(s) - static_cast<uint64_t>(l);
    const uint64_t mag = d > 0 ? static_cast<uint64_t>(d) : uint64_t{0} - static_cast<uint64_t>(d);
    return static_cast<int64_t>((diff - 1) / mag + 1);
  }
}

class RangeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    for (int i = 0; i < 3; ++i) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
      if (!ctx.value(i)) return ctx.needs_value(i);
      if (ctx.value(i)->numel() != 1) return ctx.bad_input("input " + std::to_string(i) + " must be a scalar");
    }
    const DType t = ctx.dtype(0);
    if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kInt16 && t != DType::kInt32 &&
        t != DType::kInt64) {
      return dtype_not_supported(t);
    }
    Status s;
    visit_arith(t, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T start = ctx.value(0)->data<T>()[0];
      const T limit = ctx.value(1)->data<T>()[0];
      const T delta = ctx.value(2)->data<T>()[0];
      if (delta == T(0)) {
        s = ctx.bad_input("delta must not be 0");
        return;
      }
      count_ = range_count(start, limit, delta);
    });
    LACUNA_RETURN_IF_ERROR(s);
    LACUNA_RETURN_IF_ERROR(checked_numel({count_, 8}).status().with_context(node_));
    ctx.set_output(0, t, {count_});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    visit_arith(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::range(ctx.input(0).data<T>()[0], ctx.input(2).data<T>()[0], y.numel(), y.data<T>());
    });
    return Status::ok();
  }

 private:
  int64_t count_ = 0;
};

class EyeLikeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    if (const ir::Attribute* a = attr("dtype")) {
      auto t = ir::dtype_from_code(a->i);
      if (!t) return t.status().with_context(node_);
      dtype_ = *t;
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (ctx.rank(0) != 2) return ctx.bad_input("input must be 2-D");
    const DType t = dtype_ == DType::kUndefined ? ctx.dtype(0) : dtype_;
    if (t == DType::kString) return dtype_not_supported(t);
    ctx.set_output(0, t, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const int64_t k = attr_int("k", 0);
    bool ok = visit_numeric(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::eye(y.dim(0), y.dim(1), k, from_double<T>(0.0), from_double<T>(1.0), y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, y.dtype());
  }

 private:
  DType dtype_ = DType::kUndefined;
};

class OneHotKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(2));
    if (ctx.dtype(0) == DType::kString || ctx.dtype(1) == DType::kString) {
      return ctx.bad_input("indices and depth must be numeric");
    }
    const Tensor* depth = ctx.value(1);
    if (!depth) return ctx.needs_value(1);
    if (depth->numel() != 1) return ctx.bad_input("depth must have one element");
    const double dv = depth->to_double_vector()[0];
    if (!(dv >= 1) || dv > 9.0e18) return ctx.bad_input("depth must be positive");
    depth_ = static_cast<int64_t>(dv);
    const Shape& in = ctx.shape(0);
    const int r = ctx.rank(0);
    const int64_t a = attr_int("axis", -1);
    if (a < -r - 1 || a > r) return ctx.error("axis " + std::to_string(a) + " is out of range");
    axis_ = static_cast<int>(a < 0 ? a + r + 1 : a);
    Shape out = in;
    out.insert(out.begin() + axis_, depth_);
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(2), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& values = ctx.input(2);
    Tensor& y = ctx.output(0);
    if (values.numel() != 2) return ctx.error("values must have two elements (off, on)");
    // Indices as int64, wrapped once; out-of-range ones become -1 and match no position.
    const std::vector<double> raw = x.to_double_vector();
    const auto depth = static_cast<double>(depth_);
    std::vector<int64_t> idx(raw.size(), -1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] >= -depth && raw[i] < depth) {
        idx[i] = static_cast<int64_t>(raw[i]);
        if (idx[i] < 0) idx[i] += depth_;
      }
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < x.rank(); ++d) (d < axis_ ? outer : inner) *= x.dim(d);
    bool ok = ref::visit_storage(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* v = values.data<T>();
      ref::one_hot(idx.data(), outer, inner, depth_, v[0], v[1], y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, y.dtype());
  }

 private:
  int64_t depth_ = 1;
  int axis_ = 0;
};

class TriluKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (ctx.rank(0) < 2) return ctx.bad_input("input must have rank >= 2");
    if (ctx.has_input(1)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt64}));
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    int64_t k = 0;
    if (ctx.has_input(1)) {
      auto v = int_scalar(ctx.input(1), node_ + ": k");
      if (!v) return v.status();
      k = *v;
    }
    const int64_t rows = x.dim(-2), cols = x.dim(-1);
    const int64_t batch = rows * cols == 0 ? 0 : x.numel() / (rows * cols);
    // Clamp k so that j - i never overflows against it.
    k = std::clamp<int64_t>(k, -rows - 1, cols + 1);
    const bool upper = attr_int("upper", 1) != 0;
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::trilu(x.data<T>(), batch, rows, cols, k, upper, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }
};

}  // namespace

void register_generator_ops(Registry& r) {
  r.add("", "Range", make_impl<RangeKernel>("range_ref"));
  r.add("", "EyeLike", make_impl<EyeLikeKernel>("eyelike_ref"), true);
  r.add("", "OneHot", make_impl<OneHotKernel>("onehot_ref"), true);
  r.add("", "Trilu", make_impl<TriluKernel>("trilu_ref"), true);
}

}  // namespace lacuna::ops
