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
};

const RowKernels& select_row_kernels(const CpuInfo& cpu);
extern const RowKernels kRowKernelsScalar;
extern const RowKernels kRowKernelsAvx2;
extern const RowKernels kRowKernelsAvx512;

}  // namespace lacuna::kernels
