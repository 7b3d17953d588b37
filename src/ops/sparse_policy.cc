// Cost model: time ~ work / efficiency. Dense work is the full product, sparse work the non-zeros,
// each scaled by how well its vector tile covers the output columns.
#include "ops/sparse_policy.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "kernels/sparse/sparse_gemv.h"
#include "kernels/sparse/sparse_rows.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::ops {

namespace {

// Fractions of peak measured with `lacuna_micro_bench --benchmark_filter=spmm` on BERT and
// ResNet layer shapes (see docs/benchmarks.md): the dense GEMM/conv kernels sustain about 0.8 of
// peak, the SpMM kernel about 0.45 (counting non-zeros) once its tile is full.
constexpr double kDenseEfficiency = 0.80;
constexpr double kSparseEfficiency = 0.45;

// How much of a tile's lanes do useful work for `cols` columns.
double tile_use(int64_t cols, int tile) {
  const int64_t tiles = (cols + tile - 1) / tile;
  return tiles > 0 ? static_cast<double>(cols) / static_cast<double>(tiles * tile) : 1.0;
}

// Batch-1 linear layers stream their weights once per run: the dense kernel 4 bytes per weight
// (about 13 GB/s), the sparse GEMV 6 per non-zero (value and 16-bit index) at about 9-10 GB/s,
// its gathers costing the rest. Measured with `lacuna_micro_bench --benchmark_filter=gemv/` on
// VGG-16's and ResNet-50's classifiers: even at 50 % zeros, faster from 70 %; so 55 %.
constexpr double kGemvBreakEven = 0.45;

std::string describe(bool sparse, double density, double be) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.1f%% zeros, break-even %.1f%%: est. %.2fx %s", 100.0 * (1.0 - density),
                100.0 * (1.0 - be), sparse ? be / std::max(density, 1e-6) : density / be,
                sparse ? "faster sparse" : "slower sparse");
  return buf;
}

}  // namespace

double break_even_density(int64_t cols, int tile) {
  // Dense kernels tile columns by 32, sparse ones by `tile`. A weight without zeros never goes
  // sparse, however short its rows.
  return std::min(0.99, (kSparseEfficiency * tile_use(cols, tile)) / (kDenseEfficiency * tile_use(cols, 32)));
}

SparseChoice choose_sparse(const runtime::KernelOptions& options, double density, int64_t cols, int tile) {
  SparseChoice c;
  char buf[160];
  const double be = break_even_density(cols, tile);
  if (options.sparse_policy == "dense") {
    c.reason = "dense by request";
    return c;
  }
  if (options.sparse_policy == "sparse") {
    c.sparse = density < 1.0;
    std::snprintf(buf, sizeof buf, "%s by request (%.1f%% zeros)", c.sparse ? "sparse" : "dense (no zeros)",
                  100.0 * (1.0 - density));
    c.reason = buf;
    return c;
  }
  c.sparse = density < be;
  c.reason = describe(c.sparse, density, be);
  return c;
}

SparseChoice choose_sparse_conv(const runtime::KernelOptions& options, const Tensor& w, int64_t groups,
                                int64_t out_pixels) {
  SparseChoice c;
  if (w.dtype() != DType::kFloat32 || (w.rank() != 3 && w.rank() != 4)) {
    c.reason = "not a float32 1-D or 2-D convolution";
    return c;
  }
  if (groups > 1 && w.shape()[1] == 1) {
    c.reason = "depthwise convolutions stay dense";
    return c;
  }
  const double density = 1.0 - kernels::sparsity_of(w.data<float>(), w.numel());
  const kernels::SpmmKernel& sk = kernels::select_spmm_kernel(*options.cpu);
  return choose_sparse(options, density, out_pixels, sk.tile);
}

SparseChoice choose_sparse_gemm(const runtime::KernelOptions& options, const Tensor& w, const Shape& input) {
  SparseChoice c;
  if (w.dtype() != DType::kFloat32 || w.rank() != 2 || input.size() < 2 || input.back() <= 0) {
    c.reason = "not a float32 weight matrix on [..., K] activations";
    return c;
  }
  const int64_t rows = numel(input) / input.back();
  const int64_t tokens = input.size() >= 3 && input[0] > 0 ? rows / input[0] : rows;
  const double density = 1.0 - kernels::sparsity_of(w.data<float>(), w.numel());
  c.gemv = kernels::SparseGemv::supports(input.back(), rows);
  if (c.gemv && options.sparse_policy == "auto") {
    c.sparse = density < kGemvBreakEven;
    c.reason = describe(c.sparse, density, kGemvBreakEven);
    return c;
  }
  const bool gemv = c.gemv;
  c = choose_sparse(options, density, tokens, kernels::select_spmm_kernel(*options.cpu).tile);
  c.gemv = gemv;
  return c;
}

}  // namespace lacuna::ops
