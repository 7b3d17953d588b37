// Scalar SpMM kernel (the reference for the vector ones) and the per-ISA choice.
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

namespace {

constexpr int kTile = 16;

void rows_scalar(const SparseEntry* entries, const int32_t* steps, int64_t groups, const float* x, float* c,
                 int64_t ldc, bool accumulate) {
  for (int64_t g = 0; g < groups; ++g) {
    float acc[kSparseGroup][kTile];
    for (int j = 0; j < kSparseGroup; ++j) {
      for (int t = 0; t < kTile; ++t) acc[j][t] = accumulate ? c[(g * kSparseGroup + j) * ldc + t] : 0.f;
    }
    for (int32_t s = steps[g]; s < steps[g + 1]; ++s) {
      const SparseEntry* e = entries + static_cast<int64_t>(s) * kSparseGroup;
      for (int j = 0; j < kSparseGroup; ++j) {
        const float* xr = x + e[j].offset;
        for (int t = 0; t < kTile; ++t) acc[j][t] += e[j].value * xr[t];
      }
    }
    for (int j = 0; j < kSparseGroup; ++j) {
      for (int t = 0; t < kTile; ++t) c[(g * kSparseGroup + j) * ldc + t] = acc[j][t];
    }
  }
}

void pack_transposed_scalar(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst, int64_t ld) {
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t t = 0; t < ld; ++t) dst[k * ld + t] = t < cols ? src[t * ld_src + k] : 0.f;
  }
}

void unpack_transposed_scalar(const float* c, int64_t ld, int64_t rows, int64_t cols, float* y, int64_t ld_y,
                              const float* bias, const float* residual, int64_t ld_residual, const Epilogue& ep) {
  for (int64_t t = 0; t < cols; ++t) {
    for (int64_t o = 0; o < rows; ++o) {
      float v = c[o * ld + t] * ep.scale + (bias ? bias[o] : 0.f);
      if (residual) v += residual[t * ld_residual + o];
      y[t * ld_y + o] = apply_activation(ep.act, v, ep.alpha, ep.beta);
    }
  }
}

}  // namespace

const SpmmKernel kSpmmScalar = {"spmm_f32_16_scalar", Isa::kScalar, kTile, rows_scalar, pack_transposed_scalar,
                                unpack_transposed_scalar};

const SpmmKernel& select_spmm_kernel(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kSpmmAvx512;
  if (cpu.has(Isa::kAvx2)) return kSpmmAvx2;
  return kSpmmScalar;
}

}  // namespace lacuna::kernels
