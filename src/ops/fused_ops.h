// Lacuna's own fused operators (domain "lacuna"), which the graph optimizer creates:
//   FusedConv(X, W, [B], [Z])   = act(Conv(X, W, B) + Z)
//   FusedGemm(A, W, [B], [Z])   = act(alpha * A * op(W) + B + Z)   (A batched over leading dims)
// `activation` is one of kernels::activation_name(); `activation_alpha`/`activation_beta` are its
// parameters (LeakyRelu slope; Clip bounds).
#pragma once

#include "kernels/dense/epilogue.h"
#include "ops/common.h"

namespace lacuna::ops {

inline constexpr const char* kLacunaDomain = "lacuna";

struct ActivationSpec {
  kernels::Activation act = kernels::Activation::kNone;
  float alpha = 0.f;
  float beta = 0.f;
};

Expected<ActivationSpec> activation_from_attrs(const ir::Attributes& attrs, const std::string& node);
Expected<kernels::Activation> activation_from_name(const std::string& name);
// The epilogue of a FusedConv run: per-output-channel bias, the residual input Z (input 3) when
// present, and the activation.
kernels::Epilogue conv_epilogue(const RunContext& ctx, const Tensor& bias, const ActivationSpec& act);
// Applies act(v + z) elementwise in place (z may be null): the reference epilogue.
void apply_activation_inplace(float* y, const float* z, int64_t n, const ActivationSpec& a);

}  // namespace lacuna::ops
