// Dense 2-D convolution (groups == 1) on channel-blocked tensors (see blocked.h): a direct
// convolution whose register tile is P output pixels along a row times OB output-channel blocks,
// accumulated over every input channel and tap before one fused epilogue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/blocked.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

// Usage: create once per layer (packs the weights), then per inference call run() over the work
// items [0, work_items(threads)), split in ranges over threads, each with its own scratch of
// scratch_floats() floats. Nothing is allocated at run time.
//
//   X: blocked [n, ceil(c/B), h, w, B], or with src_plain plain NCHW [n, c, h, w] (a first layer
//      with few channels, e.g. ResNet's 7x7 stem on RGB);
//   Y: blocked [n, ceil(k/B), oh, ow, B]; its padded channels are written as zeros.
//
// Borders need no padded copy of X: kernel rows outside the input are left out of a tile's taps,
// and the few tiles whose columns cross the left or right edge read a zero-padded strip of the
// input built in scratch (shared by all output blocks of the tile).
//
// Tile shapes (P x OB, P * OB <= 28 accumulators with AVX-512, 12 with AVX2) are chosen per layer
// by a cost model over the output row width -- e.g. 14x2 for 56-wide rows, 7x4 for 7-wide rows,
// 13x2 for 13 -- and 1x1 stride-1 unpadded layers run over the flattened h*w pixels.
// Weights stay in L2: the output blocks are split in chunks of a few tile groups whose packed
// weights fit in half the L2, while pixel tiles stream through them. On small planes (ResNet's
// 7x7 layers) a group's input blocks run a few at a time over all pixel tiles instead, so that
// their weights are read from L1.
class BlockedConv2d {
 public:
  // `weights` is [k, c, r, s] (ONNX OIHW). The shape's groups must be 1 (see supports()).
  BlockedConv2d(const CpuInfo& cpu, const Conv2dShape& shape, const float* weights, bool src_plain = false);
  ~BlockedConv2d();
  BlockedConv2d(const BlockedConv2d&) = delete;
  BlockedConv2d& operator=(const BlockedConv2d&) = delete;

  // groups == 1 and a stride along the width of 1 or 2 (any height stride, pads, dilations).
  static bool supports(const Conv2dShape& s);

  int block() const { return k_.block; }
  const Conv2dShape& shape() const { return s_; }
  bool src_plain() const { return plain_; }
  int tile_pixels() const { return tile_p_; }
  int tile_blocks() const { return tile_ob_; }
  std::string describe() const;  // e.g. "nchwc_f32_avx512 14x2 chunks=1 flat"

  // Work items: (chunk of output blocks, image, range of output rows), chunk-major; image-major
  // when an image's input re-read per chunk would outweigh the weights re-read per image.
  int64_t work_items(int threads) const;
  int64_t scratch_floats() const;
  // Items [begin, end) of work_items(threads) (the same `threads`). The epilogue's row_bias is
  // per output channel (k floats, or null) and its residual a blocked tensor shaped like Y (or
  // null), added before the activation. ep.bias and ep.scale are not used.
  // The first tiles prefetch their weights just ahead of use (they come from L3 or DRAM), and
  // each chunk's tiles prefetch the next chunk's weights, a slice per tile.
  void run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, int threads,
           float* scratch) const;
  size_t weight_bytes() const { return weight_floats_ * sizeof(float); }

 private:
  struct Line;
  // Weights to pull into L2 while a chunk's tiles run: the chunk's own weights just ahead of use
  // in its first tiles (cold, from L3 or DRAM), then the next chunk's, a slice per tile.
  struct Prefetch {
    const char* next = nullptr;  // the next chunk's packed weights, or null
    int64_t next_bytes = 0;
    int64_t calls = 1;           // tile calls of this work item
    int64_t done = 0;
    bool cold = false;           // the first pixel tile of the item
  };
  // One output row (or flat pixel run) of image n for tile groups [g0, g1) over input blocks
  // [b0, b1) (all of them unless K-blocked).
  void run_line(const float* x, float* y, const Epilogue& ep, int64_t n, int64_t g0, int64_t g1, int64_t b0,
                int64_t b1, int64_t line, const float* bias, float* strip, int64_t* tap_x, int32_t* tap_w,
                Prefetch& pf) const;
  void choose_tile();
  int64_t lines() const;       // output rows, or pixel runs when flat
  int64_t tiles_per_line() const { return ((flat_ ? line_pixels_ : s_.ow) + tile_p_ - 1) / tile_p_; }
  int64_t chunks() const { return (groups_ + chunk_groups_ - 1) / chunk_groups_; }
  int64_t row_splits(int threads) const;

  const BlockedKernels& k_;
  Conv2dShape s_;
  bool plain_;
  bool flat_ = false;      // 1x1, stride 1, no padding: pixels run over the whole plane
  int64_t in_planes_ = 0;  // input channel blocks, or channels when plain
  int64_t in_elem_ = 0;    // floats per input pixel of a plane: B, or 1 when plain
  int64_t out_blocks_ = 0;
  int tile_p_ = 1, tile_ob_ = 1;
  int64_t groups_ = 0;         // tile groups of tile_ob_ output blocks (the last may be smaller)
  int64_t chunk_groups_ = 1;   // tile groups per chunk
  bool image_major_ = false;   // work items image by image (else chunk by chunk)
  // K-blocked order on small planes (0: off): each tile group runs kblock_ input blocks at a
  // time over all the item's pixel tiles, whose partial sums wait in Y, so that those blocks'
  // weights stay in L1 across the tiles instead of streaming from L2 once per tile.
  int64_t kblock_ = 0;
  int64_t line_pixels_ = 0;    // flat: pixels per line
  std::vector<int64_t> group_offset_;  // packed weight offset of each group
  std::shared_ptr<float> weights_;
  int64_t weight_floats_ = 0;
};

}  // namespace lacuna::kernels
