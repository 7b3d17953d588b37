// Sparse-weight linear layer: Y[t][o] = act(scale * sum_k X[t][k] W[o][k] + bias[o] + Z[t][o]) for
// row-major activations X [T x K]. Tiles of T are transposed into K rows (so that one weight
// multiplies a vector of tokens), multiplied by the sparse W, and transposed back into Y with
// the epilogue.
//
// With AVX-512 the product is JIT-compiled for W (SpmmJit): all 16-token tiles are packed first
// (phase 1, shared by the workers), then each worker runs its share of W's row blocks (balanced
// by non-zeros) in small chunks of blocks: for each K-chunk, every tile of a group (up to 128
// tokens whose X fits L2) runs through the chunk's code while it is hot in L1i, the partial sums
// of the group's tiles waiting in the worker's scratch; then the chunk's rows are transposed into
// Y with the epilogue. Otherwise the generic SpMM micro-kernel runs tile by tile.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/epilogue.h"
#include "kernels/sparse/sparse_rows.h"
#include "kernels/sparse/spmm.h"
#include "kernels/sparse/spmm_jit.h"

namespace lacuna::kernels {

class SparseLinear {
 public:
  // W given as [M x K] (or as [K x M] when `k_major`, i.e. MatMul's B). Work is planned for
  // `tokens` rows of X and `threads` workers. `allow_jit` = false forces the generic kernel.
  SparseLinear(const CpuInfo& cpu, const float* w, int64_t m, int64_t k, bool k_major, int64_t tokens, int threads,
               bool allow_jit = true);

  const char* kernel_name() const;
  bool jit() const { return jit_ != nullptr; }

  // Scratch: shared_floats() for all workers, plus scratch_floats() per worker.
  int64_t shared_floats() const;
  int64_t scratch_floats() const;

  // Phase 1: pack items [begin, end) of pack_items() (none without the JIT).
  int64_t pack_items() const;
  void pack(const float* x, int64_t ldx, float* shared, int64_t begin, int64_t end) const;

  // Phase 2: items [begin, end) of work_items(). X rows ldx apart; Y rows ldy apart; the
  // residual (if any) rows ld_residual apart.
  int64_t work_items() const;
  void run(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias, const float* residual,
           int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end, const float* shared,
           float* scratch) const;

  int64_t nnz() const { return nnz_; }
  double density() const { return static_cast<double>(nnz_) / static_cast<double>(std::max<int64_t>(1, m_ * k_)); }
  int64_t m() const { return m_; }
  size_t weight_bytes() const;

 private:
  void run_generic(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias, const float* residual,
                   int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
  void run_jit(float* y, int64_t ldy, const float* bias, const float* residual, int64_t ld_residual,
               const Epilogue& ep, int64_t begin, int64_t end, const float* shared, float* scratch) const;

  const SpmmKernel& sk_;
  int64_t m_, k_, tokens_, nnz_ = 0;
  // Generic kernel.
  SparseRows w_;
  int64_t splits_ = 1;
  std::vector<int64_t> bounds_;
  // JIT.
  std::unique_ptr<SpmmJit> jit_;
  std::vector<int64_t> parts_;         // block bounds of the workers' shares
  std::vector<int64_t> chunk_starts_;  // block chunks whose code per K-chunk stays in L1i
  std::vector<int64_t> block_row0_;    // first row of each block (blocks + 1 values)
  int64_t chunk_rows_ = 0;             // rows of the largest chunk
  int64_t group_tiles_ = 1;            // token tiles per pass over the code
  bool wide_ = false;                  // more tokens than one group: L2-sized chunks, tile by tile
};

}  // namespace lacuna::kernels
