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

  // Pointwise (1x1, stride 1, unpadded) convolutions with at least one full tile of pixels read X
  // in place (the last tile overlaps the one before instead of running past the plane);
  // everything else reads the padded layout.
  bool direct() const { return direct_; }
  int64_t padded_floats() const { return direct_ ? 0 : layout_.padded_floats(); }
  void pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
    if (!direct_) layout_.pad_input(x, padded, plane_begin, plane_end);
  }
  int64_t work_items() const;
  // `x` is the input itself when direct(), else the padded layout.
  void run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const;
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
  bool direct_ = false;
  int64_t grid_ = 0;                 // output columns per image (virtual grid unless direct)
  int64_t splits_ = 1;               // row-group ranges per tile (when tiles are scarce)
  std::vector<std::vector<int64_t>> bounds_;  // per conv group: splits_ + 1 bounds, in row groups
};


}  // namespace lacuna::kernels
