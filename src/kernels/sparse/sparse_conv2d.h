// Sparse-weight 2-D convolution in NCHW for strides 1 and 2 (any kernel, dilation, groups).
//
// With AVX-512 the product is JIT-compiled per layer (SpmmJit): pointwise convolutions read X in
// place and write Y directly with the bias, residual and activation fused; other convolutions
// read the padded/phase-plane layout of the dense convolution (every tap a fixed offset from the
// output position), write raw sums for a chunk of the virtual pixel grid into scratch, and the
// epilogue then drops the grid's junk columns. Work splits across threads by images and pixel
// chunks, and by row blocks of equal non-zero counts when those are too few.
//
// Otherwise the generic SpMM micro-kernel runs over the padded layout, K-blocked by input
// channels so that a block's input windows stay in L1.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/conv_layout.h"
#include "kernels/sparse/sparse_rows.h"
#include "kernels/sparse/spmm.h"
#include "kernels/sparse/spmm_jit.h"

namespace lacuna::kernels {

// What the JIT may bake into the code: the per-output-channel bias and the activation, and
// whether a residual tensor (shaped like Y) is added. The run-time Epilogue must agree.
struct ConvEpilogueSpec {
  const float* bias = nullptr;
  bool residual = false;
  Activation act = Activation::kNone;
  float alpha = 0.f, beta = 0.f;
};

class SparseConv2d {
 public:
  // `weights` is [K, C/groups, R, S] (ONNX OIHW); `gemm` supplies the output epilogue. Work is
  // planned for `threads` workers. `allow_jit` = false forces the generic kernel.
  SparseConv2d(const CpuInfo& cpu, const Conv2dShape& shape, const float* weights, const ConvEpilogueSpec& epi,
               int threads, bool allow_jit = true);
  static bool supports(const Conv2dShape& s) { return ConvInputLayout::supports(s); }

  const char* kernel_name() const;
  // Convolutions that read X in place (no padded copy): pass X itself to run().
  bool direct() const { return direct_; }
  int64_t padded_floats() const { return direct_ ? 0 : layout_.padded_floats(); }
  void pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
    if (!direct_) layout_.pad_input(x, padded, plane_begin, plane_end);
  }
  int64_t work_items() const;
  // `x` is the input itself when direct(), else the padded layout.
  void run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
  int64_t scratch_floats() const;
  int64_t nnz() const { return nnz_; }
  double density() const;
  size_t weight_bytes() const;

 private:
  void run_generic(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
  void run_jit(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;

  const SpmmKernel& k_;
  const GemmKernel& gemm_;
  Conv2dShape s_;
  ConvInputLayout layout_;
  bool direct_ = false;
  int64_t grid_ = 0;  // output columns per image (the virtual grid unless direct)
  int64_t nnz_ = 0;
  // Generic kernel.
  std::vector<SparseRows> weights_;  // one per group
  int64_t splits_ = 1;               // row-group ranges per tile (when tiles are scarce)
  std::vector<std::vector<int64_t>> bounds_;  // per conv group: splits_ + 1 bounds, in row groups
  // JIT: one per conv group; work items are (image, group, pixel chunk, block part).
  std::vector<std::unique_ptr<SpmmJit>> jits_;
  bool jit_epilogue_ = false;   // the code applies the whole epilogue (direct mode)
  int64_t chunk_ = 0;           // output columns per JIT call
  int64_t parts_ = 1;           // block ranges per image
  int64_t pixel_splits_ = 1;    // pixel ranges per image
  std::vector<std::vector<int64_t>> part_bounds_;   // per group: parts_ + 1 block bounds
  std::vector<std::vector<int64_t>> block_chunks_;  // per group: starts of L2-sized block chunks, then blocks()
  std::vector<std::vector<int64_t>> block_row0_;    // per group: first row of each block, then rows
};

}  // namespace lacuna::kernels
