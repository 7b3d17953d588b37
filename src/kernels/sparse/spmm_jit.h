// Input-stationary sparse x dense products, JIT-compiled for one weight matrix:
//   Y[r][j] = act(scale * sum_k W[r][k] X[k][j] + bias[r] + Z[r][j])   for the tile's columns j
// Rows are grouped in blocks of up to 30; a block's accumulators (16 columns per row) live in
// registers. For each input row k with non-zeros in the block, the generated code loads the 16
// columns of X[k] once and issues one FMA per non-zero, the weight broadcast from memory at a
// baked displacement. There are no indices, no loop over non-zeros and no branches; the only loop
// walks the tile's columns 16 at a time (the last tile masked). Offsets of X rows, Y rows and
// residual rows are baked in, so the same generator serves a convolution on its padded planes,
// a pointwise convolution in place, or a transposed activation tile.
//
// The bias, scale (folded into the weights), residual and ReLU/Clip/LeakyReLU activations are
// applied in registers. Other activations are left to the caller (`fuses_activation`).
//
// K can be split into chunks of columns (`k_chunk`) so that a chunk's slice of X stays in L1
// while every block consumes it: chunk 0 starts from the bias plus the residual (read before
// anything of the tile is written, so Y may alias Z), later chunks reload the partial sums from
// Y, and only the last one applies the activation. Run the chunks of a block in order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

struct SpmmJitSpec {
  int64_t m = 0, k = 0;
  const float* w = nullptr;                     // m x k, row-major (zeros are skipped)
  std::function<int64_t(int64_t)> x_offset;     // column k -> offset (floats) of X row k
  std::function<int64_t(int64_t)> y_offset;     // row r -> offset (floats) of Y (and Z) row r
  const float* bias = nullptr;                  // per row, or nullptr
  bool residual = false;                        // Z given at run time
  Activation act = Activation::kNone;
  float alpha = 0.f, beta = 0.f, scale = 1.f;
  int max_rows_per_block = 30;
  int64_t k_chunk = 0;                          // columns per K-chunk (0: one chunk)
};

class SpmmJit {
 public:
  // nullptr when the CPU lacks AVX-512 (after the LACUNA_MAX_ISA cap), the activation can not be
  // fused, offsets do not fit the code's 32-bit displacements, or LACUNA_NO_JIT=1 (a debugging
  // switch: the generic kernels then run).
  static std::unique_ptr<SpmmJit> create(const SpmmJitSpec& spec, const CpuInfo& cpu);
  static bool fuses_activation(Activation a);
  ~SpmmJit();

  int64_t blocks() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t chunks() const { return chunks_; }
  int64_t block_nnz(int64_t b) const { return blocks_[static_cast<size_t>(b)].nnz; }
  int64_t block_rows(int64_t b) const { return blocks_[static_cast<size_t>(b)].rows; }
  int64_t nnz() const { return nnz_; }
  size_t code_bytes() const;
  size_t data_bytes() const { return values_.size() * sizeof(float); }

  // K-chunk c of block b over `cols` (>= 1) columns: X, Y and Z (nullptr unless spec.residual)
  // point at column 0 of the tile.
  void run(int64_t b, int64_t c, const float* x, float* y, const float* z, int64_t cols) const {
    blocks_[static_cast<size_t>(b)].fn[static_cast<size_t>(c)](x, y, z, cols);
  }
  // All chunks of block b.
  void run(int64_t b, const float* x, float* y, const float* z, int64_t cols) const {
    for (int64_t c = 0; c < chunks_; ++c) run(b, c, x, y, z, cols);
  }

  // Pulls the code and values of blocks [b0, b1) into L2 ahead of use (software prefetches):
  // instruction fetch alone streams code from L3 poorly.
  // With `parts` > 1, only the part-th of `parts` slices (to spread the prefetches over the
  // work they overlap).
  void prefetch(int64_t b0, int64_t b1, int64_t part = 0, int64_t parts = 1) const;

  // Bounds, in blocks, of `parts` ranges of about equal non-zero counts (parts + 1 values).
  std::vector<int64_t> balanced_bounds(int64_t parts) const;

  using BlockFn = void (*)(const float* x, float* y, const float* z, int64_t cols);

 private:
  struct Block {
    int64_t rows = 0, nnz = 0;
    std::vector<BlockFn> fn;  // per K-chunk
    size_t code_begin = 0, code_end = 0;      // bytes of code
    int64_t value_begin = 0, value_end = 0;   // floats of values_
  };
  class Generator;
  SpmmJit() = default;

  std::vector<Block> blocks_;
  std::vector<float> values_;  // weights (in code order), biases and constants
  std::unique_ptr<Generator> code_;
  int64_t nnz_ = 0, chunks_ = 1;
};

}  // namespace lacuna::kernels
