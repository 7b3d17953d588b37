// What a kernel applies to its results before storing them: per-column bias, a residual tensor
// added elementwise, and an activation. Shared by GEMM, convolution and sparse kernels.
#pragma once

#include <cstdint>

namespace lacuna::kernels {

enum class Activation : uint8_t {
  kNone,
  kRelu,
  kRelu6,      // min(max(x, 0), 6)
  kClip,       // min(max(x, lo), hi)
  kSigmoid,
  kTanh,
  kGeluErf,    // 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh,   // tanh approximation
  kHardSwish,
  kLeakyRelu,  // alpha
};

const char* activation_name(Activation a);

struct Epilogue {
  const float* bias = nullptr;      // per output column (MatMul/Gemm), or nullptr
  const float* row_bias = nullptr;  // per output row (channel of an NCHW conv), or nullptr
  const float* residual = nullptr;  // added before the activation; same layout as the output
  int64_t ld_residual = 0;
  Activation act = Activation::kNone;
  float alpha = 0.f;  // LeakyRelu slope; Clip lower bound
  float beta = 0.f;   // Clip upper bound
  float scale = 1.f;  // multiplies the product before bias (Gemm's alpha)
};

// Scalar reference of the activation (the oracle for the vectorized versions).
float apply_activation(Activation a, float x, float alpha, float beta);

}  // namespace lacuna::kernels
