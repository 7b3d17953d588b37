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

// An Epilogue copied into a micro-kernel's locals before its store loop: the stores to C may
// alias the Epilogue's float fields, so reading them through the pointer reloads them for every
// stored vector (measured: a 14x32 tile with an empty epilogue ran 30% slower at K = 64).
// `any` is false when there is nothing to apply.
struct LocalEpilogue {
  bool any = false;
  float scale = 1.f;
  const float* bias = nullptr;
  const float* row_bias = nullptr;
  const float* residual = nullptr;
  int64_t ld_residual = 0;
  Activation act = Activation::kNone;
  float alpha = 0.f, beta = 0.f;
  explicit LocalEpilogue(const Epilogue* ep) {
    if (!ep) return;
    scale = ep->scale;
    bias = ep->bias;
    row_bias = ep->row_bias;
    residual = ep->residual;
    ld_residual = ep->ld_residual;
    act = ep->act;
    alpha = ep->alpha;
    beta = ep->beta;
    any = scale != 1.f || bias || row_bias || residual || act != Activation::kNone;
  }
};

// Scalar reference of the activation (the oracle for the vectorized versions).
float apply_activation(Activation a, float x, float alpha, float beta);

}  // namespace lacuna::kernels
