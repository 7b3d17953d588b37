// ONNX Runtime contrib ops (domain com.microsoft) that optimized transformer exports use:
// SkipLayerNormalization, BiasGelu, FastGelu and FusedMatMul.
#include <algorithm>
#include <array>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/broadcast.h"
#include "kernels/ref/contrib.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/matmul_dims.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// SkipLayerNormalization(input, skip, gamma, beta?, bias?) -> output, mean?, inv_std_var?,
// input_skip_bias_sum?. Normalizes over the last axis; skip may omit leading dims (broadcast).
class SkipLayerNormKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    epsilon_ = attr_float("epsilon", 1e-12f);
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const DType t = ctx.dtype(0);
    const Shape& x = ctx.shape(0);
    if (x.empty()) return ctx.bad_input("input must have rank >= 1");
    const int64_t hidden = x.back();
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {t}));
    const Shape& skip = ctx.shape(1);
    // skip must equal the trailing dims of input (it repeats over the leading ones).
    bool ok = !skip.empty() && skip.size() <= x.size();
    for (size_t i = 0; ok && i < skip.size(); ++i) ok = skip[skip.size() - 1 - i] == x[x.size() - 1 - i];
    if (ok && numel(skip) == 0 && numel(x) != 0) ok = false;
    if (!ok)
      return ctx.bad_input("skip shape " + shape_to_string(skip) + " does not fit input " +
                           shape_to_string(x));
    for (int i : {2, 3, 4}) {
      if (i >= 3 && !ctx.has_input(i)) continue;
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {t}));
      if (ctx.shape(i) != Shape{hidden}) {
        return ctx.bad_input("gamma, beta and bias must have shape [" + std::to_string(hidden) + "]");
      }
    }
    ctx.set_output(0, t, x);
    Shape stats = x;
    stats.back() = 1;
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) ctx.set_output(1, t, stats);
    if (ctx.num_outputs() > 2 && ctx.outputs[2].wanted) ctx.set_output(2, t, stats);
    if (ctx.num_outputs() > 3 && ctx.outputs[3].wanted) ctx.set_output(3, t, x);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t hidden = x.dim(-1);
    const int64_t rows = hidden == 0 ? 0 : x.numel() / hidden;
    const int64_t skip_rows = hidden == 0 ? 1 : std::max<int64_t>(1, ctx.input(1).numel() / hidden);
    const double eps = epsilon_;
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto in = [&](int i) { return ctx.has_input(i) ? ctx.input(i).data<T>() : nullptr; };
      auto out = [&](int i) { return ctx.has_output(i) ? ctx.output(i).data<T>() : nullptr; };
      ref::skip_layer_norm(x.data<T>(), in(1), skip_rows, in(2), in(3), in(4), rows, hidden, eps, out(0),
                           out(1), out(2), out(3));
    });
    return Status::ok();
  }

 private:
  float epsilon_ = 1e-12f;
};

// BiasGelu(A, B) = gelu_erf(A + B) and FastGelu(X, bias?) = gelu_tanh(X + bias); the bias is 1-D
// over the last axis.
template <bool kTanh>
class BiasGeluKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    if (ctx.has_input(1)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
      if (x.empty() || ctx.shape(1) != Shape{x.back()}) {
        return ctx.bad_input("bias shape " + shape_to_string(ctx.shape(1)) + " must be the last dim of " +
                             shape_to_string(x));
      }
    } else if (!kTanh) {
      return ctx.error("BiasGelu needs a bias input");
    }
    ctx.set_output(0, ctx.dtype(0), x);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor* bias = ctx.has_input(1) ? &ctx.input(1) : nullptr;
    visit_float(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::bias_gelu(x.data<T>(), bias ? bias->data<T>() : nullptr, x.numel(), bias ? bias->numel() : 1,
                     kTanh, ctx.output(0).data<T>());
    });
    return Status::ok();
  }
};

// FusedMatMul(A, B) = alpha * op(A) x op(B) with optional transposes of the last two dims.
class FusedMatMulKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    alpha_ = attr_float("alpha", 1.f);
    trans_a_ = attr_int("transA", 0) != 0;
    trans_b_ = attr_int("transB", 0) != 0;
    if (attr_int("transBatchA", 0) != 0 || attr_int("transBatchB", 0) != 0) {
      return not_supported("transBatchA/transBatchB are not supported");
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {ctx.dtype(0)}));
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.shape(0), ctx.shape(1), node_, trans_a_, trans_b_));
    ctx.set_output(0, ctx.dtype(0), d.out);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(a.shape(), b.shape(), node_, trans_a_, trans_b_));
    // Transposes only apply to inputs of rank >= 2 (a 1-D operand is a vector either way).
    const bool ta = trans_a_ && a.rank() > 1, tb = trans_b_ && b.rank() > 1;
    const int64_t a_rs = ta ? 1 : d.k, a_cs = ta ? d.m : 1;
    const int64_t b_rs = tb ? 1 : d.n, b_cs = tb ? d.k : 1;
    const std::array<ref::DimVector, 2> strides = {ref::broadcast_strides(d.a_batch, d.batch),
                                                         ref::broadcast_strides(d.b_batch, d.batch)};
    const double alpha = alpha_;
    visit_float(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* y = ctx.output(0).data<T>();
      ref::for_each_broadcast<2>(d.batch, strides, [&](int64_t o, const std::array<int64_t, 2>& p) {
        ref::matmul_strided(d.m, d.n, d.k, alpha, a.data<T>() + p[0] * d.m * d.k, a_rs, a_cs,
                            b.data<T>() + p[1] * d.k * d.n, b_rs, b_cs, y + o * d.m * d.n);
      });
    });
    return Status::ok();
  }

 private:
  float alpha_ = 1.f;
  bool trans_a_ = false, trans_b_ = false;
};

}  // namespace

void register_contrib_ops(Registry& r) {
  r.add("com.microsoft", "SkipLayerNormalization", make_impl<SkipLayerNormKernel>("skip_layer_norm_ref"));
  r.add("com.microsoft", "BiasGelu", make_impl<BiasGeluKernel<false>>("bias_gelu_ref"));
  r.add("com.microsoft", "FastGelu", make_impl<BiasGeluKernel<true>>("fast_gelu_ref"));
  r.add("com.microsoft", "FusedMatMul", make_impl<FusedMatMulKernel>("fused_matmul_ref"));
}

}  // namespace lacuna::ops
