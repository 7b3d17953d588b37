// The sparse-weight x dense-activation micro-kernels: for each row r (in SparseRows position
// order) of a K-block,
//   C[r][0 .. tile) (+)= sum over the row's entries e of e.value * X[e.offset .. e.offset + tile)
// with a group of rows' tiles of output columns (pixels or tokens) held in vector registers (64
// columns with AVX-512, 16 with AVX2). Plus the transposes the linear-layer driver needs.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/dense/epilogue.h"
#include "kernels/sparse/sparse_rows.h"

namespace lacuna::kernels {

struct SpmmKernel {
  const char* name;
  Isa isa;
  int tile;  // output columns per call
  // Groups [0, groups) of one block: group g's steps are steps[g] .. steps[g + 1] (each step is
  // kSparseGroup entries, one per row). C rows (positions g * kSparseGroup + j) are ldc apart.
  void (*rows)(const SparseEntry* entries, const int32_t* steps, int64_t groups, const float* x, float* c,
               int64_t ldc, bool accumulate);
  // dst[k][0 .. ld) = src[t][k] for t < cols (zeros past cols), k < K: row-major activations
  // (rows ld_src apart) transposed into K rows of `ld` floats (a multiple of 16, >= cols).
  void (*pack_transposed)(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst, int64_t ld);
  // y[t][o] = act(c[o][t] * ep.scale + bias[o] + residual[t][o]) for o < rows, t < cols: C (rows
  // of `ld` floats, a multiple of 16) written back transposed into row-major Y (rows ld_y apart).
  void (*unpack_transposed)(const float* c, int64_t ld, int64_t rows, int64_t cols, float* y, int64_t ld_y,
                            const float* bias, const float* residual, int64_t ld_residual, const Epilogue& ep);
};

const SpmmKernel& select_spmm_kernel(const CpuInfo& cpu);
extern const SpmmKernel kSpmmScalar;
extern const SpmmKernel kSpmmAvx2;
extern const SpmmKernel kSpmmAvx512;

}  // namespace lacuna::kernels
