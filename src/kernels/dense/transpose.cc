// Scalar transpose and the per-ISA choice.
#include "kernels/dense/transpose.h"

namespace lacuna::kernels {

void transpose_scalar(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld_x, int64_t ld_y) {
  constexpr int64_t kB = 16;  // cache blocking
  for (int64_t r0 = 0; r0 < rows; r0 += kB) {
    for (int64_t c0 = 0; c0 < cols; c0 += kB) {
      for (int64_t r = r0; r < rows && r < r0 + kB; ++r) {
        for (int64_t c = c0; c < cols && c < c0 + kB; ++c) y[c * ld_y + r] = x[r * ld_x + c];
      }
    }
  }
}

TransposeFn select_transpose(const CpuInfo& cpu) {
  return cpu.has(Isa::kAvx512) ? transpose_avx512 : transpose_scalar;
}

}  // namespace lacuna::kernels
