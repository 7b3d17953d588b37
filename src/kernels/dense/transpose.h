// 2-D float transposes: y[c][r] = x[r][c] for r < rows, c < cols, with row strides ld_x and
// ld_y. Blocked through 16x16 (AVX-512) or 8x8 (AVX2) register transposes; scalar otherwise.
#pragma once

#include <cstdint>

#include "core/cpu.h"

namespace lacuna::kernels {

using TransposeFn = void (*)(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld_x, int64_t ld_y);

void transpose_scalar(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld_x, int64_t ld_y);
void transpose_avx512(const float* x, float* y, int64_t rows, int64_t cols, int64_t ld_x, int64_t ld_y);
TransposeFn select_transpose(const CpuInfo& cpu);

}  // namespace lacuna::kernels
