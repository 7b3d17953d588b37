// The sparse-or-dense decision for one layer. Under the "auto" policy a cost model compares the
// estimated times of the dense and sparse kernels; its efficiencies come from the kernel
// microbenchmarks (benchmarks/micro/bench_spmm.cc) on this machine class. "sparse" takes any
// weight with zeros; "dense" never goes sparse.
#pragma once

#include <string>

#include "runtime/op_kernel.h"

namespace lacuna::ops {

struct SparseChoice {
  bool sparse = false;
  bool gemv = false;   // (linear layers) the sparse GEMV kernel is the one meant
  std::string reason;  // shown by `lacuna analyze` / `lacuna info`
};

// `density`: non-zero fraction of the weights; `cols`: output columns each weight multiplies
// (pixels or tokens per image) -- short rows use the vector tile poorly.
SparseChoice choose_sparse(const runtime::KernelOptions& options, double density, int64_t cols, int tile);

// The choice for a 1-D or 2-D convolution with constant weights `w` [K, C/groups, (R,) S] producing
// `out_pixels` pixels per image: depthwise convolutions always stay dense. Graph passes use it to
// plan layouts around the layers that will run sparse.
SparseChoice choose_sparse_conv(const runtime::KernelOptions& options, const Tensor& w, int64_t groups,
                                int64_t out_pixels);

// The choice for a linear layer (MatMul, Gemm, FusedGemm) with a constant 2-D weight `w` applied
// to activations of shape `input` ([..., K]). A few rows in all (kernels::SparseGemv::supports)
// choose for the sparse GEMV kernel, whose time, like the dense one's, is that of streaming the
// weights; more rows for the tiled kernels, by the tokens per image (the rows of one [N, ..., K]
// sample, or all rows of a 2-D input).
SparseChoice choose_sparse_gemm(const runtime::KernelOptions& options, const Tensor& w, const Shape& input);

// The density below which the sparse kernel is estimated to win (for reports).
double break_even_density(int64_t cols, int tile);

}  // namespace lacuna::ops
