// GemmKernelBase.
#include "ops/gemm_common.h"

namespace lacuna::ops {

GemmKernelBase::GemmKernelBase(const ir::Node& n, int64_t opset) : FastPathKernel(n, opset) {
  form_ = n.domain == kLacunaDomain ? GemmForm::kFused : (n.op_type == "Gemm" ? GemmForm::kGemm : GemmForm::kMatMul);
}

Status GemmKernelBase::init() {
  LACUNA_RETURN_IF_ERROR(FastPathKernel::init());
  if (form_ == GemmForm::kFused) {
    LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(attrs_, node_));
  }
  if (form_ != GemmForm::kMatMul) {
    trans_b_ = attr_int("transB", 0) != 0;
    alpha_ = attr_float("alpha", 1.f);
  }
  if (form_ == GemmForm::kGemm) {
    if (attr_int("transA", 0) != 0) return not_supported("transA");
    beta_ = attr_float("beta", 1.f);
  }
  return Status::ok();
}

Status GemmKernelBase::check_shapes(PrepareContext& ctx) {
  if (!ctx.inputs[0].shape || !ctx.outputs[0].set) return not_supported("shapes are only known at run time");
  if (ctx.dtype(0) != DType::kFloat32 || ctx.dtype(1) != DType::kFloat32) return not_supported("only float32");
  if (ctx.rank(0) < 2 || ctx.rank(1) < 2) return not_supported("1-D operands");
  LACUNA_ASSIGN_OR_RETURN(dims_, matmul_dims(ctx.shape(0), ctx.shape(1), node_, false, trans_b_));
  return Status::ok();
}

Status GemmKernelBase::prepare_bias(PrepareContext& ctx) {
  if (form_ == GemmForm::kFused) {
    if (ctx.has_input(2)) {
      if (!ctx.value(2)) return not_supported("the bias is not constant");
      bias_ = *ctx.value(2);
    }
    residual_input_ = 3;
    return Status::ok();
  }
  if (form_ != GemmForm::kGemm || !ctx.has_input(2) || beta_ == 0.f) return Status::ok();
  const Shape& c = ctx.shape(2);
  if (numel(c) == dims_.n && (c.size() == 1 || (c.size() == 2 && c[0] == 1)) && ctx.value(2)) {
    bias_ = ctx.value(2)->clone();
    for (int64_t j = 0; j < dims_.n; ++j) bias_.data<float>()[j] *= beta_;
    return Status::ok();
  }
  if (c == dims_.out && beta_ == 1.f) {
    residual_input_ = 2;
    return Status::ok();
  }
  return not_supported("Gemm's C broadcasts in a way the fast path does not handle");
}

kernels::Epilogue GemmKernelBase::epilogue(RunContext& ctx) const {
  kernels::Epilogue ep;
  ep.scale = alpha_;
  ep.bias = bias_.defined() ? bias_.data<float>() : nullptr;
  ep.act = act_.act;
  ep.alpha = act_.alpha;
  ep.beta = act_.beta;
  if (residual_input_ >= 0 && ctx.has_input(residual_input_)) {
    ep.residual = ctx.input(residual_input_).data<float>();
    ep.ld_residual = dims_.n;
  }
  return ep;
}

}  // namespace lacuna::ops
