// Matrix operators: MatMul (numpy batched semantics, 1-D operands), Gemm (transposes,
// alpha/beta, C broadcast to the output) and Det.
#include <type_traits>

#include "core/dispatch.h"
#include "kernels/ref/contraction.h"
#include "kernels/ref/elementwise.h"
#include "kernels/ref/gemm.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

bool is_matmul_dtype(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kInt32 ||
         t == DType::kInt64 || t == DType::kUint32 || t == DType::kUint64;
}

// Calls f(TypeTag<T>{}) for the dtypes the GEMM kernel is instantiated for.
template <class F>
bool visit_gemm(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(TypeTag<float>{}); return true;
    case DType::kFloat64: f(TypeTag<double>{}); return true;
    case DType::kInt32: f(TypeTag<int32_t>{}); return true;
    case DType::kInt64: f(TypeTag<int64_t>{}); return true;
    case DType::kUint32: f(TypeTag<uint32_t>{}); return true;
    case DType::kUint64: f(TypeTag<uint64_t>{}); return true;
    default: return false;
  }
}

class MatMulKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    if (!is_matmul_dtype(ctx.dtype(0))) return dtype_not_supported(ctx.dtype(0));
    const Shape& a = ctx.shape(0);
    const Shape& b = ctx.shape(1);
    if (a.empty() || b.empty()) return ctx.bad_input("MatMul operands must have rank >= 1");
    // 1-D operands are promoted to matrices, and the added dimension is removed afterwards.
    const int64_t m = a.size() == 1 ? 1 : a[a.size() - 2];
    const int64_t ka = a.back();
    const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
    const int64_t n = b.size() == 1 ? 1 : b.back();
    if (ka != kb) {
      return ctx.bad_input("inner dimensions differ: " + shape_to_string(a) + " x " +
                           shape_to_string(b));
    }
    Shape a_batch(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
    Shape b_batch(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
    Shape batch;
    Status s = broadcast_shapes(a_batch, b_batch, &batch);
    if (!s.is_ok()) return s.with_context(node_);
    Shape out = batch;
    if (a.size() > 1) out.push_back(m);
    if (b.size() > 1) out.push_back(n);
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    m_ = m;
    n_ = n;
    k_ = ka;
    a_batch_ = std::move(a_batch);
    b_batch_ = std::move(b_batch);
    batch_ = std::move(batch);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    const int64_t m = m_, n = n_, k = k_;
    const std::array<ref::DimVector, 2> st = {ref::broadcast_strides(a_batch_, batch_),
                                              ref::broadcast_strides(b_batch_, batch_)};
    const ref::GemmShape gs = ref::dense_gemm_shape(m, n, k);
    bool ok = visit_gemm(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* ad = a.data<T>();
      const T* bd = b.data<T>();
      T* yd = y.data<T>();
      ref::for_each_broadcast<2>(batch_, st, [&](int64_t o, const std::array<int64_t, 2>& p) {
        ref::gemm<T>(gs, T(1), ad + p[0] * m * k, bd + p[1] * k * n, T(0), yd + o * m * n);
      });
    });
    return ok ? Status::ok() : dtype_not_supported(y.dtype());
  }

 private:
  int64_t m_ = 0, n_ = 0, k_ = 0;
  Shape a_batch_, b_batch_, batch_;
};

class GemmKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    trans_a_ = attr_int("transA", 0) != 0;
    trans_b_ = attr_int("transB", 0) != 0;
    alpha_ = attr_float("alpha", 1.f);
    beta_ = attr_float("beta", 1.f);
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    if (!is_matmul_dtype(ctx.dtype(0))) return dtype_not_supported(ctx.dtype(0));
    const Shape& a = ctx.shape(0);
    const Shape& b = ctx.shape(1);
    if (a.size() != 2 || b.size() != 2) {
      return ctx.bad_input("A and B must be 2-D, got " + shape_to_string(a) + " and " +
                           shape_to_string(b));
    }
    m_ = trans_a_ ? a[1] : a[0];
    k_ = trans_a_ ? a[0] : a[1];
    n_ = trans_b_ ? b[0] : b[1];
    const int64_t kb = trans_b_ ? b[1] : b[0];
    if (k_ != kb) {
      return ctx.bad_input("inner dimensions differ: " + shape_to_string(a) + " x " +
                           shape_to_string(b) + " (transA=" + std::to_string(trans_a_) +
                           ", transB=" + std::to_string(trans_b_) + ")");
    }
    const Shape out = {m_, n_};
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
      Shape bc;
      Status s = broadcast_shapes(ctx.shape(2), out, &bc);
      if (!s.is_ok() || bc != out) {
        return ctx.bad_input("C of shape " + shape_to_string(ctx.shape(2)) +
                             " does not broadcast to " + shape_to_string(out));
      }
    }
    ctx.set_output(0, ctx.dtype(0), out);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    const bool has_c = ctx.has_input(2);
    ref::GemmShape gs = ref::dense_gemm_shape(m_, n_, k_, trans_a_, trans_b_);
    bool ok = visit_gemm(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yd = y.data<T>();
      T beta = T(0);
      if (has_c && beta_ != 0.f) {
        const Tensor& c = ctx.input(2);
        const T cb = static_cast<T>(beta_);
        // Y starts as beta * C broadcast; the GEMM then accumulates onto it.
        ref::binary_broadcast(c.data<T>(), c.shape(), c.data<T>(), c.shape(), yd, y.shape(),
                              [cb](T v, T) { return static_cast<T>(cb * v); });
        beta = T(1);
      }
      ref::gemm<T>(gs, static_cast<T>(alpha_), a.data<T>(), b.data<T>(), beta, yd);
    });
    return ok ? Status::ok() : dtype_not_supported(y.dtype());
  }

 private:
  bool trans_a_ = false, trans_b_ = false;
  float alpha_ = 1.f, beta_ = 1.f;
  int64_t m_ = 0, n_ = 0, k_ = 0;
};

// Det: the determinant of each trailing square matrix.
class DetKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (x.size() < 2 || x[x.size() - 1] != x[x.size() - 2]) {
      return ctx.bad_input("X must be (..., M, M), got " + shape_to_string(x));
    }
    ctx.set_output(0, ctx.dtype(0), Shape(x.begin(), x.end() - 2));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t n = x.dim(-1);
    bool ok = visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::determinant<T>(x.data<T>(), y.numel(), n, y.data<T>());
    });
    return ok ? Status::ok() : dtype_not_supported(x.dtype());
  }
};

}  // namespace

void register_matmul_ops(Registry& r) {
  r.add("", "MatMul", make_impl<MatMulKernel>("matmul_ref"));
  r.add("", "Gemm", make_impl<GemmKernel>("gemm_ref"));
  r.add("", "Det", make_impl<DetKernel>("det_ref"));
}

}  // namespace lacuna::ops
