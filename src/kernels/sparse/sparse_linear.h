// Sparse-weight linear layer: Y[t][o] = act(scale * sum_k X[t][k] W[o][k] + bias[o] + Z[t][o]) for
// row-major activations X [T x K]. Tiles of T are transposed into K rows (so that one weight
// multiplies a vector of tokens), multiplied by the sparse W in L1-sized K-blocks, and
// transposed back into Y with the epilogue.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/dense/epilogue.h"
#include "kernels/sparse/sparse_rows.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

class SparseLinear {
 public:
  // W given as [M x K] (or as [K x M] when `k_major`, i.e. MatMul's B). Work is planned for
  // `tokens` rows of X and `threads` workers.
  SparseLinear(const SpmmKernel& spmm, const float* w, int64_t m, int64_t k, bool k_major, int64_t tokens,
               int threads);

  int64_t work_items() const;
  // Items [begin, end): X rows ldx apart; Y rows ldy apart; the residual (if any) rows
  // ld_residual apart.
  void run(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias, const float* residual,
           int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
  int64_t scratch_floats() const;
  int64_t nnz() const { return w_.nnz(); }
  double density() const { return static_cast<double>(w_.nnz()) / static_cast<double>(std::max<int64_t>(1, m_ * k_)); }
  int64_t m() const { return m_; }
  size_t weight_bytes() const { return w_.bytes(); }
  const SpmmKernel& kernel() const { return sk_; }

 private:
  const SpmmKernel& sk_;
  int64_t m_, k_, tokens_;
  SparseRows w_;
  int64_t splits_ = 1;
  std::vector<int64_t> bounds_;
};

}  // namespace lacuna::kernels
