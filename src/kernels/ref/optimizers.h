// Reference optimizer steps (Adagrad, Adam, Momentum/Nesterov): elementwise updates of a
// tensor and its optimizer state from a gradient, computed in double.
#pragma once

#include <cmath>
#include <cstdint>

namespace lacuna::kernels::ref {

struct AdagradParams {
  double rate = 0;  // the learning rate after decay: R / (1 + T * decay_factor)
  double epsilon = 1e-6;
  double norm_coefficient = 0;  // L2 regularization folded into the gradient
};

// h accumulates squared gradients; x moves against the gradient scaled by 1/sqrt(h).
template <class T>
void adagrad_step(const AdagradParams& p, const T* x, const T* g, const T* h, int64_t n, T* x_new, T* h_new) {
  for (int64_t i = 0; i < n; ++i) {
    const double gr = p.norm_coefficient * static_cast<double>(x[i]) + static_cast<double>(g[i]);
    const double hn = static_cast<double>(h[i]) + gr * gr;
    x_new[i] = static_cast<T>(static_cast<double>(x[i]) - p.rate * gr / (std::sqrt(hn) + p.epsilon));
    h_new[i] = static_cast<T>(hn);
  }
}

struct AdamParams {
  double rate = 0;      // the bias-corrected learning rate
  double alpha = 0.9;   // decay of the first moment v
  double beta = 0.999;  // decay of the second moment h
  double epsilon = 1e-6;
  double norm_coefficient = 0;
  double norm_coefficient_post = 0;  // weight decay applied after the step
};

template <class T>
void adam_step(const AdamParams& p, const T* x, const T* g, const T* v, const T* h, int64_t n, T* x_new,
               T* v_new, T* h_new) {
  for (int64_t i = 0; i < n; ++i) {
    const double gr = p.norm_coefficient * static_cast<double>(x[i]) + static_cast<double>(g[i]);
    const double vn = p.alpha * static_cast<double>(v[i]) + (1.0 - p.alpha) * gr;
    const double hn = p.beta * static_cast<double>(h[i]) + (1.0 - p.beta) * gr * gr;
    const double xn = static_cast<double>(x[i]) - p.rate * vn / (std::sqrt(hn) + p.epsilon);
    x_new[i] = static_cast<T>((1.0 - p.norm_coefficient_post) * xn);
    v_new[i] = static_cast<T>(vn);
    h_new[i] = static_cast<T>(hn);
  }
}

struct MomentumParams {
  double rate = 0;
  double alpha = 0;  // decay of the accumulated velocity
  double beta = 0;   // gradient weight (1 on the first step, see the op)
  double norm_coefficient = 0;
  bool nesterov = false;
};

template <class T>
void momentum_step(const MomentumParams& p, const T* x, const T* g, const T* v, int64_t n, T* x_new,
                   T* v_new) {
  for (int64_t i = 0; i < n; ++i) {
    const double gr = p.norm_coefficient * static_cast<double>(x[i]) + static_cast<double>(g[i]);
    const double vn = p.alpha * static_cast<double>(v[i]) + p.beta * gr;
    const double dir = p.nesterov ? gr + p.alpha * vn : vn;
    x_new[i] = static_cast<T>(static_cast<double>(x[i]) - p.rate * dir);
    v_new[i] = static_cast<T>(vn);
  }
}

}  // namespace lacuna::kernels::ref
