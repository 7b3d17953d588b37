// Scalar row kernels and the per-ISA choice.
#include "kernels/dense/rowops.h"

#include <algorithm>
#include <cmath>

namespace lacuna::kernels {

namespace {

void softmax_scalar(const float* x, float* y, int64_t n, float scale, const float* add) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i] * scale + (add ? add[i] : 0.f));
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] * scale + (add ? add[i] : 0.f) - mx);
    y[i] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

void log_softmax_scalar(const float* x, float* y, int64_t n) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - mx);
  const float lse = mx + static_cast<float>(std::log(sum));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
}

void layernorm_scalar(const float* x, float* y, int64_t n, const float* gamma, const float* beta, float eps,
                      float* mean_out, float* inv_std_out) {
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  const double mean = s / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) s2 += (x[i] - mean) * (x[i] - mean);
  const float inv = static_cast<float>(1.0 / std::sqrt(s2 / static_cast<double>(n) + eps));
  const float m = static_cast<float>(mean);
  for (int64_t i = 0; i < n; ++i) {
    float v = (x[i] - m) * inv;
    if (gamma) v *= gamma[i];
    if (beta) v += beta[i];
    y[i] = v;
  }
  if (mean_out) *mean_out = m;
  if (inv_std_out) *inv_std_out = inv;
}

void softmax_cols_scalar(float* s, int64_t rows, int64_t cols, int64_t ld, float scale, const float* add) {
  for (int64_t c = 0; c < cols; ++c) {
    float mx = -INFINITY;
    for (int64_t r = 0; r < rows; ++r) mx = std::max(mx, s[r * ld + c] * scale + (add ? add[r] : 0.f));
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const float e = std::exp(s[r * ld + c] * scale + (add ? add[r] : 0.f) - mx);
      s[r * ld + c] = e;
      sum += e;
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t r = 0; r < rows; ++r) s[r * ld + c] *= inv;
  }
}

void layernorm_cols_scalar(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld, const float* gamma,
                           const float* beta, float eps) {
  for (int64_t c = 0; c < cols; ++c) {
    double sum = 0, s2 = 0;
    for (int64_t r = 0; r < rows; ++r) sum += x[r * ld + c];
    const double mean = sum / static_cast<double>(rows);
    for (int64_t r = 0; r < rows; ++r) s2 += (x[r * ld + c] - mean) * (x[r * ld + c] - mean);
    const float inv = static_cast<float>(1.0 / std::sqrt(s2 / static_cast<double>(rows) + eps));
    const float m = static_cast<float>(mean);
    for (int64_t r = 0; r < rows; ++r) {
      float v = (x[r * ld + c] - m) * inv;
      if (gamma) v *= gamma[r];
      if (beta) v += beta[r];
      y[r * ld + c] = v;
    }
  }
}

}  // namespace

const RowKernels kRowKernelsScalar = {"rowops_scalar", softmax_scalar, log_softmax_scalar, layernorm_scalar,
                                      softmax_cols_scalar, layernorm_cols_scalar};

const RowKernels& select_row_kernels(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kRowKernelsAvx512;
  if (cpu.has(Isa::kAvx2)) return kRowKernelsAvx2;
  return kRowKernelsScalar;
}

}  // namespace lacuna::kernels
