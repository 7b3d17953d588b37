// lacuna:FusedConv reference kernel: the reference Conv followed by the residual add and the
// activation, as separate passes (the oracle for the fused fast kernels).
#include "ops/conv_ops.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"

namespace lacuna::ops {

Expected<kernels::Activation> activation_from_name(const std::string& name) {
  using kernels::Activation;
  for (Activation a : {Activation::kNone, Activation::kRelu, Activation::kRelu6, Activation::kClip,
                       Activation::kSigmoid, Activation::kTanh, Activation::kGeluErf, Activation::kGeluTanh,
                       Activation::kHardSwish, Activation::kLeakyRelu}) {
    if (name == kernels::activation_name(a)) return a;
  }
  return invalid_model("unknown activation '" + name + "'");
}

Expected<ActivationSpec> activation_from_attrs(const ir::Attributes& attrs, const std::string& node) {
  ActivationSpec a;
  auto it = attrs.find("activation");
  if (it != attrs.end()) {
    auto act = activation_from_name(it->second.s);
    if (!act) return act.status().with_context(node);
    a.act = *act;
  }
  if (auto al = attrs.find("activation_alpha"); al != attrs.end()) a.alpha = al->second.f;
  if (auto be = attrs.find("activation_beta"); be != attrs.end()) a.beta = be->second.f;
  return a;
}

void apply_activation_inplace(float* y, const float* z, int64_t n, const ActivationSpec& a) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = kernels::apply_activation(a.act, y[i] + (z ? z[i] : 0.f), a.alpha, a.beta);
  }
}

Status FusedConvKernel::init() {
  LACUNA_RETURN_IF_ERROR(ConvKernel::init());
  LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(KernelBase::attrs_, node_));
  return Status::ok();
}

Status FusedConvKernel::infer(InferContext& ctx) {
  LACUNA_RETURN_IF_ERROR(ConvKernel::infer(ctx));
  if (ctx.has_input(3)) {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {DType::kFloat32}));
    if (ctx.shape(3) != ctx.outputs[0].shape) {
      return ctx.bad_input("the residual input Z must have the output's shape " +
                           shape_to_string(ctx.outputs[0].shape));
    }
  }
  if ((ctx.has_input(3) || act_.act != kernels::Activation::kNone) && ctx.dtype(0) != DType::kFloat32) {
    return dtype_not_supported(ctx.dtype(0));
  }
  return Status::ok();
}

Status FusedConvKernel::run(RunContext& ctx) {
  LACUNA_RETURN_IF_ERROR(ConvKernel::run(ctx));
  if (!ctx.has_input(3) && act_.act == kernels::Activation::kNone) return Status::ok();
  Tensor& y = ctx.output(0);
  apply_activation_inplace(y.data<float>(), ctx.has_input(3) ? ctx.input(3).data<float>() : nullptr, y.numel(), act_);
  return Status::ok();
}

void register_fused_conv_ops(Registry& r) {
  r.add(kLacunaDomain, "FusedConv", make_impl<FusedConvKernel>("fused_conv_ref"));
}

kernels::Epilogue conv_epilogue(const RunContext& ctx, const Tensor& bias, const ActivationSpec& act) {
  kernels::Epilogue ep;
  ep.row_bias = bias.defined() ? bias.data<float>() : nullptr;
  ep.residual = ctx.has_input(3) ? ctx.input(3).data<float>() : nullptr;
  ep.act = act.act;
  ep.alpha = act.alpha;
  ep.beta = act.beta;
  return ep;
}

}  // namespace lacuna::ops
