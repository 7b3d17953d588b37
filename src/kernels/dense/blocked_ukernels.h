// The per-ISA micro-kernels behind the channel-blocked (NCHWc) drivers: their arguments and the
// table each tier (scalar, AVX2, AVX-512) fills. The drivers (blocked.cc, blocked_conv2d.cc,
// blocked_depthwise.cc, blocked_pool.cc) own tiling, borders and threading; a micro-kernel sees
// one register tile, one output row or one channel block.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

// One convolution tile: P output pixels along a row (consecutive output columns, input pixels
// stride_w apart) times OB output-channel blocks, accumulated in registers over every input
// channel and kernel tap, then stored with the epilogue.
struct ConvTileArgs {
  // Input of the tile's pixel 0 at tap offset 0. Blocked: [block][..][B], pixel p of tap t at
  // x + tap_x[t] + p * stride_w * B (+ block * x_block_stride). Plain (NCHW): channel c at
  // x + c * channel_stride + tap_x[t] + p * stride_w.
  const float* x = nullptr;
  int64_t x_block_stride = 0;
  int64_t blocks = 1;          // input channel blocks (1 when plain)
  int64_t channels = 0;        // plain only: input channels
  int64_t channel_stride = 0;  // plain only: floats between input planes
  const int64_t* tap_x = nullptr;  // per tap to run: input offset (floats)
  const int32_t* tap_w = nullptr;  // per tap to run: its index r * S + s among all taps
  int64_t taps = 0;                // taps to run (rows outside the input are left out)
  int64_t all_taps = 1;            // R * S
  // Weights of OB output blocks: blocked [block][tap][ic < B][ob][B], plain [tap][c][ob][B].
  const float* w = nullptr;
  float* y = nullptr;  // output pixel 0 of block 0; pixel p at y + p * B
  int64_t y_block_stride = 0;
  const float* bias = nullptr;      // OB * B floats, or null
  const float* residual = nullptr;  // indexed like y, or null
  bool clamp = false;               // min(max(v, lo), hi) in registers (relu, relu6, clip)
  float lo = 0.f, hi = 0.f;
  // Software prefetch into L2, spread over the tile's taps: pf_lines cache lines from `pf` per
  // tap run (the driver points it at weights it needs soon; null: none).
  const char* pf = nullptr;
  int64_t pf_lines = 0;
  // K-blocked runs (the input blocks split over several calls): start from the partial sums in
  // y instead of zero, and/or store the raw sums (no bias, residual or clamp) for a later call.
  bool accumulate = false;
  bool partial = false;
};

// Runs a tile of `pixels` x `out_blocks` (pixels * out_blocks <= max_acc, out_blocks <= max_ob)
// for stride_w 1 or 2 and a blocked or plain input.
using ConvTileFn = void (*)(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain);

// One output row `oh` of one channel block of a depthwise convolution (or a pooling window). x is
// the block's input plane [h][w][B], y the output row [ow][B]. Taps outside the input are skipped
// (zero padding for convolutions and averages, -inf for max).
struct DwRowArgs {
  const Conv2dShape* s = nullptr;
  const float* x = nullptr;
  const float* w = nullptr;         // [r * S + s][B]
  const float* bias = nullptr;      // B floats, or null
  const float* residual = nullptr;  // like y, or null
  float* y = nullptr;
  int64_t oh = 0;
  bool clamp = false;
  float lo = 0.f, hi = 0.f;
};
using DwRowFn = void (*)(const DwRowArgs& a);

struct PoolRowArgs {
  const Conv2dShape* s = nullptr;
  const float* x = nullptr;
  float* y = nullptr;
  const float* inv_count = nullptr;  // average: 1 / divisor per output column of this row
  int64_t oh = 0;
  bool max = true;
};
using PoolRowFn = void (*)(const PoolRowArgs& a);

struct BlockedKernels {
  const char* name;
  Isa isa;
  int block;   // channels per block (B)
  int max_acc; // accumulator registers of a convolution tile
  int max_ob;  // output blocks of a convolution tile
  int plain_max_ob;  // the same, for plain (NCHW) inputs
  ConvTileFn conv_tile;
  DwRowFn dw_row;
  PoolRowFn pool_row;
  // y[0..B) = max or mean over the hw pixel vectors of one block (x: [hw][B]).
  void (*global_pool)(bool max, const float* x, float* y, int64_t hw);
  // In place over n floats (a multiple of B); zero_from >= 0 zeroes lanes zero_from..B-1 of
  // every vector afterwards (the padded channels of the last block).
  void (*activate)(float* y, int64_t n, Activation act, float alpha, float beta, int zero_from);
  // One channel block of one image: `channels` (<= B) planes of hw floats, ld_plane apart, to
  // hw vectors of B (padded lanes zeroed), and back.
  void (*to_blocked)(const float* x, int64_t ld_plane, int64_t channels, int64_t hw, float* xb);
  void (*from_blocked)(const float* xb, int64_t channels, int64_t hw, float* x, int64_t ld_plane);
};

extern const BlockedKernels kBlockedScalar;
extern const BlockedKernels kBlockedAvx2;
extern const BlockedKernels kBlockedAvx512;

}  // namespace lacuna::kernels
