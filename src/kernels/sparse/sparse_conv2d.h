// Sparse-weight 2-D convolution in NCHW for strides 1 and 2 (any kernel, dilation, groups):
// the input goes into the padded/phase-plane layout of the dense convolution, and for each tile
// of output pixels every output channel sums its non-zero weights times the input window each
// one reads (the SpMM micro-kernel), K-blocked by input-channel groups so that a block's input
// windows stay in L1. Work splits across threads by pixel tiles, and by output-channel ranges of
// equal non-zero counts when there are too few tiles.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/dense/conv_layout.h"
#include "kernels/sparse/sparse_rows.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

class SparseConv2d {
 public:
  // `weights` is [K, C/groups, R, S] (ONNX OIHW); `gemm` supplies the output epilogue. Work is
  // planned for `threads` workers.
  SparseConv2d(const SpmmKernel& spmm, const GemmKernel& gemm, const Conv2dShape& shape, const float* weights,
               int threads);
  static bool supports(const Conv2dShape& s) { return ConvInputLayout::supports(s); }

  int64_t padded_floats() const { return layout_.padded_floats(); }
  void pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
    layout_.pad_input(x, padded, plane_begin, plane_end);
  }
  int64_t work_items() const;
  void run(const float* padded, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
  int64_t scratch_floats() const;
  int64_t nnz() const;
  double density() const;
  size_t weight_bytes() const;
  const SpmmKernel& kernel() const { return k_; }

 private:

  const SpmmKernel& k_;
  const GemmKernel& gemm_;
  Conv2dShape s_;
  ConvInputLayout layout_;
  std::vector<SparseRows> weights_;  // one per group
  int64_t splits_ = 1;               // output-channel ranges per tile (when tiles are scarce)
  std::vector<std::vector<int64_t>> bounds_;  // per group: splits_ + 1 range bounds, equal non-zeros
};


}  // namespace lacuna::kernels
