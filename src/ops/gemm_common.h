// Shared parts of the optimized MatMul / Gemm / lacuna:FusedGemm implementations (dense and
// sparse): the op form and its attributes, the product's dimensions, and how Gemm's C and
// FusedGemm's B and Z become a bias and a residual.
#pragma once

#include "kernels/dense/epilogue.h"
#include "ops/fast_path.h"
#include "ops/fused_ops.h"
#include "ops/matmul_dims.h"

namespace lacuna::ops {

enum class GemmForm { kMatMul, kGemm, kFused };

class GemmKernelBase : public FastPathKernel {
 public:
  GemmKernelBase(const ir::Node& n, int64_t opset);
  Status init();

 protected:
  // Shapes, float32, 2-D-or-more operands; fills dims_.
  Status check_shapes(PrepareContext& ctx);
  // Gemm's C and FusedGemm's B become a per-column bias (C may also be a full residual).
  Status prepare_bias(PrepareContext& ctx);
  // The epilogue for a run: scale, bias, residual (ld = N) and activation.
  kernels::Epilogue epilogue(RunContext& ctx) const;

  GemmForm form_;
  bool trans_b_ = false;
  float alpha_ = 1.f, beta_ = 1.f;
  ActivationSpec act_;
  MatMulDims dims_;
  Tensor bias_;
  int residual_input_ = -1;
};

}  // namespace lacuna::ops
