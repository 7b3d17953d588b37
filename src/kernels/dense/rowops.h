// Vectorized per-row operations over contiguous float rows: softmax (with an optional additive
// mask and a scale) and layer normalization. One implementation per ISA, chosen at run time.
#pragma once

#include <cstdint>

#include "core/cpu.h"

namespace lacuna::kernels {

struct RowKernels {
  const char* name;
  // y = softmax(x * scale + add) over n elements (add may be null; y may alias x).
  void (*softmax)(const float* x, float* y, int64_t n, float scale, const float* add);
  // y = log_softmax(x) over n elements.
  void (*log_softmax)(const float* x, float* y, int64_t n);
  // y = (x - mean) / sqrt(var + eps) * gamma + beta over n (gamma/beta may be null; y may alias
  // x). Writes the mean and 1/sqrt(var + eps) if asked.
  void (*layernorm)(const float* x, float* y, int64_t n, const float* gamma, const float* beta, float eps,
                    float* mean_out, float* inv_std_out);
  // Column forms for channels-first ("feature-major") tensors, vectorized across columns:
  // x[r][c] at x[r * ld + c]. softmax_cols: each column c of s becomes softmax over r of
  // s[r][c] * scale + add[r] (add may be null), in place.
  void (*softmax_cols)(float* s, int64_t rows, int64_t cols, int64_t ld, float scale, const float* add);
  // layernorm_cols: each column c of y = (x - mean) / sqrt(var + eps) * gamma[r] + beta[r], mean
  // and variance over the rows r (gamma/beta may be null; y may alias x).
  void (*layernorm_cols)(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld, const float* gamma,
                         const float* beta, float eps);
};

const RowKernels& select_row_kernels(const CpuInfo& cpu);
extern const RowKernels kRowKernelsScalar;
extern const RowKernels kRowKernelsAvx2;
extern const RowKernels kRowKernelsAvx512;

}  // namespace lacuna::kernels
