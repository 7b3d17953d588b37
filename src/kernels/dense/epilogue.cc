// Scalar activations.
#include "kernels/dense/epilogue.h"

#include <algorithm>
#include <cmath>

namespace lacuna::kernels {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kNone: return "none";
    case Activation::kRelu: return "relu";
    case Activation::kRelu6: return "relu6";
    case Activation::kClip: return "clip";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kGeluErf: return "gelu";
    case Activation::kGeluTanh: return "gelu_tanh";
    case Activation::kHardSwish: return "hardswish";
    case Activation::kLeakyRelu: return "leaky_relu";
  }
  return "?";
}

float apply_activation(Activation a, float x, float alpha, float beta) {
  switch (a) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > 0.f ? x : 0.f;
    case Activation::kRelu6: return std::min(std::max(x, 0.f), 6.f);
    case Activation::kClip: return std::min(std::max(x, alpha), beta);
    case Activation::kSigmoid: return 1.f / (1.f + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kGeluErf: return 0.5f * x * (1.f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh:
      return 0.5f * x * (1.f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case Activation::kHardSwish: return x * std::min(std::max(x / 6.f + 0.5f, 0.f), 1.f);
    case Activation::kLeakyRelu: return x >= 0.f ? x : alpha * x;
  }
  return x;
}

}  // namespace lacuna::kernels
