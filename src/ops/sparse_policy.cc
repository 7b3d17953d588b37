// Cost model: time ~ work / efficiency. Dense work is the full product, sparse work the non-zeros,
// each scaled by how well its vector tile covers the output columns.
#include "ops/sparse_policy.h"

#include <algorithm>
#include <cstdio>

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
  std::snprintf(buf, sizeof buf, "%.1f%% zeros, break-even %.1f%%: est. %.2fx %s", 100.0 * (1.0 - density),
                100.0 * (1.0 - be), c.sparse ? be / std::max(density, 1e-6) : density / be,
                c.sparse ? "faster sparse" : "slower sparse");
  c.reason = buf;
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

SparseChoice choose_sparse_gemm(const runtime::KernelOptions& options, const Tensor& w, int64_t tokens) {
  if (w.dtype() != DType::kFloat32 || w.rank() != 2) {
    SparseChoice c;
    c.reason = "not a float32 weight matrix";
    return c;
  }
  const double density = 1.0 - kernels::sparsity_of(w.data<float>(), w.numel());
  return choose_sparse(options, density, tokens, kernels::select_spmm_kernel(*options.cpu).tile);
}

}  // namespace lacuna::ops
