// Reference kernels for ONNX Runtime's fused transformer ops: SkipLayerNormalization, bias + GELU
// (erf or tanh form) and a strided matrix product (FusedMatMul's transposes are strides).
#pragma once

#include <cmath>
#include <cstdint>

namespace lacuna::kernels::ref {

// Rows of `hidden` values: s = x + skip[r % skip_rows] (+ bias); y = layernorm(s) * gamma (+ beta).
// mean, inv_std (one per row) and sum (like x) are optional outputs.
template <class T>
void skip_layer_norm(const T* x, const T* skip, int64_t skip_rows, const T* gamma, const T* beta,
                     const T* bias, int64_t rows, int64_t hidden, double epsilon, T* y, T* mean, T* inv_std,
                     T* sum) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * hidden;
    const T* sr = skip + (r % skip_rows) * hidden;
    T* yr = y + r * hidden;
    // yr holds the sum until the statistics are known.
    double m = 0;
    for (int64_t h = 0; h < hidden; ++h) {
      yr[h] = static_cast<T>(xr[h] + sr[h] + (bias ? bias[h] : T(0)));
      if (sum) sum[r * hidden + h] = yr[h];
      m += static_cast<double>(yr[h]);
    }
    m /= static_cast<double>(hidden);
    double var = 0;
    for (int64_t h = 0; h < hidden; ++h)
      var += (static_cast<double>(yr[h]) - m) * (static_cast<double>(yr[h]) - m);
    var /= static_cast<double>(hidden);
    const double inv = 1.0 / std::sqrt(var + epsilon);
    for (int64_t h = 0; h < hidden; ++h) {
      const double v = (static_cast<double>(yr[h]) - m) * inv * static_cast<double>(gamma[h]);
      yr[h] = static_cast<T>(v + (beta ? static_cast<double>(beta[h]) : 0.0));
    }
    if (mean) mean[r] = static_cast<T>(m);
    if (inv_std) inv_std[r] = static_cast<T>(inv);
  }
}

// y = gelu(x + bias[i % bias_len]) (bias may be null); erf form, or the tanh approximation.
template <class T>
void bias_gelu(const T* x, const T* bias, int64_t n, int64_t bias_len, bool tanh_form, T* y) {
  const double k = std::sqrt(2.0 / M_PI);
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]) + (bias ? static_cast<double>(bias[i % bias_len]) : 0.0);
    const double g = tanh_form ? 0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v)))
                               : 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    y[i] = static_cast<T>(g);
  }
}

// C[m, n] = alpha * sum_k A[m * a_rs + k * a_cs] * B[k * b_rs + n * b_cs]; C is row-major [M, N].
template <class T>
void matmul_strided(int64_t M, int64_t N, int64_t K, double alpha, const T* A, int64_t a_rs, int64_t a_cs,
                    const T* B, int64_t b_rs, int64_t b_cs, T* C) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        acc += static_cast<double>(A[m * a_rs + k * a_cs]) * static_cast<double>(B[k * b_rs + n * b_cs]);
      }
      C[m * N + n] = static_cast<T>(alpha * acc);
    }
  }
}

}  // namespace lacuna::kernels::ref
