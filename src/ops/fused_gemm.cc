// lacuna:FusedGemm reference kernel: Y = act(alpha * A * op(W) + B + Z), A batched over its
// leading dims ([..., M, K]), W a [K, N] matrix ([N, K] with transB), B a [N] bias, Z shaped
// like Y. The graph optimizer builds it from MatMul/Gemm + bias Add + residual Add + activation.
#include "kernels/ref/gemm.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/matmul_dims.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

class FusedGemmKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    trans_b_ = attr_int("transB", 0) != 0;
    alpha_ = attr_float("alpha", 1.f);
    LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(attrs_, node_));
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kFloat32}));
    if (ctx.rank(1) != 2) return ctx.bad_input("W must be a matrix");
    if (ctx.rank(0) < 2) return ctx.bad_input("A must have rank >= 2");
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.shape(0), ctx.shape(1), node_, false, trans_b_));
    dims_ = d;
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kFloat32}));
      if (numel(ctx.shape(2)) != d.n) return ctx.bad_input("the bias must have N elements");
    }
    if (ctx.has_input(3)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {DType::kFloat32}));
      if (ctx.shape(3) != d.out) return ctx.bad_input("the residual Z must have the output's shape");
    }
    ctx.set_output(0, DType::kFloat32, d.out);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& w = ctx.input(1);
    Tensor& y = ctx.output(0);
    const int64_t rows = a.numel() / dims_.k;
    kernels::ref::gemm<float>(kernels::ref::dense_gemm_shape(rows, dims_.n, dims_.k, false, trans_b_), alpha_,
                              a.data<float>(), w.data<float>(), 0.f, y.data<float>());
    float* yd = y.data<float>();
    if (ctx.has_input(2)) {
      const float* b = ctx.input(2).data<float>();
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < dims_.n; ++j) yd[r * dims_.n + j] += b[j];
      }
    }
    apply_activation_inplace(yd, ctx.has_input(3) ? ctx.input(3).data<float>() : nullptr, y.numel(), act_);
    return Status::ok();
  }

 private:
  bool trans_b_ = false;
  float alpha_ = 1.f;
  ActivationSpec act_;
  MatMulDims dims_;
};

}  // namespace

void register_fused_gemm_ops(Registry& r) {
  r.add(kLacunaDomain, "FusedGemm", make_impl<FusedGemmKernel>("fused_gemm_ref"));
}

}  // namespace lacuna::ops
