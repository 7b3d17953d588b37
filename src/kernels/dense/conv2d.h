// Dense 2-D convolution in NCHW as a GEMM: Y[co, pixels] = W[co, (ci,r,s)] * im2col(X), with the
// weights packed once into micro-kernel row panels (A) and the activations packed per tile of
// output pixels (B, im2col on the fly; 1x1 stride-1 convolutions read X directly).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/dense/epilogue.h"
#include "kernels/dense/gemm.h"

namespace lacuna::kernels {

struct Conv2dShape {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input
  int64_t k = 1;                       // output channels
  int64_t r = 1, s = 1;                // kernel height, width
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_t = 0, pad_l = 0;
  int64_t dil_h = 1, dil_w = 1;
  int64_t oh = 1, ow = 1;
  int64_t groups = 1;
  int64_t cg() const { return c / groups; }
  int64_t kg() const { return k / groups; }
  int64_t gemm_k() const { return cg() * r * s; }
  int64_t pixels() const { return oh * ow; }
  bool pointwise() const {
    return r == 1 && s == 1 && stride_h == 1 && stride_w == 1 && pad_t == 0 && pad_l == 0;
  }
};

// Rows of A packed into mr-row panels, k-major within a panel, zero-padded past the last row.
class PackedA {
 public:
  PackedA() = default;
  PackedA(const float* a, int64_t rows, int64_t k, int mr);  // a: rows x k row-major
  int64_t rows() const { return rows_; }
  int64_t K() const { return k_; }
  int mr() const { return mr_; }
  int64_t panels() const { return (rows_ + mr_ - 1) / mr_; }
  const float* panel(int64_t p) const { return data_.get() + p * k_ * mr_; }
  size_t bytes() const { return static_cast<size_t>(panels() * k_ * mr_) * sizeof(float); }

 private:
  int64_t rows_ = 0, k_ = 0;
  int mr_ = 0;
  std::shared_ptr<float> data_;
};

// Three strategies, chosen from the shape:
//  - pointwise (1x1, stride 1, no padding): X is already the GEMM's B (rows H*W apart);
//  - padded (stride 1 or 2): X is copied into zero-padded planes -- for stride 2, split into
//    the "phase" planes of even/odd rows and columns -- and Y is computed on a virtual grid as
//    wide as such a plane, so that every kernel tap reads B rows in place at a fixed offset and
//    one micro-kernel call accumulates all taps in registers; the few junk columns are dropped
//    when the epilogue writes Y;
//  - im2col (other strides, few input channels): B is packed per tile of output pixels.
class DenseConv2d {
 public:
  enum class Strategy { kPointwise, kPadded, kIm2col };

  // `weights` is [K, C/groups, R, S] (ONNX OIHW).
  DenseConv2d(const GemmKernel& kernel, const Conv2dShape& shape, const float* weights);
  ~DenseConv2d();

  Strategy strategy() const { return strategy_; }
  const char* strategy_name() const;
  // The padded strategy first fills padded planes (n*C of them, padded_floats() in all) from X.
  int64_t padded_floats() const;
  void pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const;

  // Work items: (image, group, pixel chunk, row split). Run items [begin, end) on one thread
  // with `scratch` of scratch_floats() floats. The epilogue's row_bias is per output channel
  // (all K channels) and its residual a tensor shaped like Y.
  int64_t work_items(int threads) const;
  void run(const float* x, const float* padded, float* y, const Epilogue& ep, int64_t begin, int64_t end,
           int threads, float* scratch) const;
  int64_t scratch_floats() const;
  size_t weight_bytes() const;
  const GemmKernel& kernel() const { return k_; }

 private:
  void run_item(const float* x, const float* padded, float* y, const Epilogue& ep, int64_t n, int64_t g,
                int64_t p0, int64_t p1, int64_t panel_begin, int64_t panel_end, float* scratch) const;
  void run_padded_item(const float* padded, float* y, const Epilogue& ep, int64_t n, int64_t g, int64_t p0,
                       int64_t p1, int64_t panel_begin, int64_t panel_end, float* scratch) const;
  void pack_b(const float* xg, int64_t p0, int64_t count, int64_t k0, int64_t kc, float* dst) const;
  int64_t row_splits(int threads) const;
  int64_t grid_pixels() const;  // pixels of the (virtual, for padded) output grid per image

  const GemmKernel& k_;
  Conv2dShape s_;
  Strategy strategy_;
  std::vector<PackedA> weights_;  // per group (im2col, pointwise) or per group and tap (padded)
  int64_t chunk_pixels_;          // output pixels per work item
  std::unique_ptr<class ConvInputLayout> layout_;  // the padded strategy's input layout
};

}  // namespace lacuna::kernels
