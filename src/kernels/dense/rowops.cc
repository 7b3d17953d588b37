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

}  // namespace

const RowKernels kRowKernelsScalar = {"rowops_scalar", softmax_scalar, log_softmax_scalar, layernorm_scalar};

const RowKernels& select_row_kernels(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kRowKernelsAvx512;
  if (cpu.has(Isa::kAvx2)) return kRowKernelsAvx2;
  return kRowKernelsScalar;
}

}  // namespace lacuna::kernels
