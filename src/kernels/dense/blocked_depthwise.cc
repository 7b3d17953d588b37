// The NCHWc depthwise driver: weight packing, the epilogue and work items.
#include "kernels/dense/blocked_depthwise.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/memory.h"

namespace lacuna::kernels {

BlockedDepthwise2d::BlockedDepthwise2d(const CpuInfo& cpu, const Conv2dShape& shape, const float* weights)
    : k_(select_blocked_kernels(cpu)), s_(shape), blocks_(channel_blocks(shape.c, k_.block)) {
  const int B = k_.block;
  const int64_t taps = s_.r * s_.s;
  const int64_t floats = blocks_ * taps * B;
  float* mem = static_cast<float*>(allocate_aligned(static_cast<size_t>(floats) * sizeof(float)));
  weights_ = std::shared_ptr<float>(mem, [](float* p) { free_aligned(p); });
  for (int64_t blk = 0; blk < blocks_; ++blk) {
    for (int64_t t = 0; t < taps; ++t) {
      for (int lane = 0; lane < B; ++lane) {
        const int64_t c = blk * B + lane;
        mem[(blk * taps + t) * B + lane] = c < s_.c ? weights[c * taps + t] : 0.f;
      }
    }
  }
}

int64_t BlockedDepthwise2d::row_splits(int threads) const {
  if (threads <= 1) return 1;
  const int64_t base = s_.n * blocks_;
  return std::clamp<int64_t>((4 * threads + base - 1) / base, 1, s_.oh);
}

int64_t BlockedDepthwise2d::work_items(int threads) const { return s_.n * blocks_ * row_splits(threads); }

int64_t BlockedDepthwise2d::scratch_floats() const { return blocks_ * k_.block; }

void BlockedDepthwise2d::run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, int threads,
                             float* scratch) const {
  const int B = k_.block;
  const int64_t taps = s_.r * s_.s;
  float* bias = nullptr;
  if (ep.row_bias) {
    bias = scratch;
    std::memcpy(bias, ep.row_bias, static_cast<size_t>(s_.c) * sizeof(float));
    std::fill(bias + s_.c, bias + blocks_ * B, 0.f);
  }
  DwRowArgs a;
  a.s = &s_;
  constexpr float inf = std::numeric_limits<float>::infinity();
  Activation post = ep.act;
  switch (ep.act) {
    case Activation::kRelu: a.clamp = true; a.lo = 0.f; a.hi = inf; break;
    case Activation::kRelu6: a.clamp = true; a.lo = 0.f; a.hi = 6.f; break;
    case Activation::kClip: a.clamp = true; a.lo = ep.alpha; a.hi = ep.beta; break;
    default: break;
  }
  if (a.clamp) post = Activation::kNone;
  const int pad_lanes_from =
      (s_.c % B != 0 && apply_activation(ep.act, 0.f, ep.alpha, ep.beta) != 0.f) ? static_cast<int>(s_.c % B) : -1;
  const int64_t splits = row_splits(threads);
  const int64_t in_plane = s_.h * s_.w * B, out_plane = s_.oh * s_.ow * B;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t split = item % splits;
    const int64_t plane = item / splits;  // n * blocks_ + block
    const int64_t blk = plane % blocks_;
    a.x = x + plane * in_plane;
    a.w = weights_.get() + blk * taps * B;
    a.bias = bias ? bias + blk * B : nullptr;
    const int last = blk == blocks_ - 1 ? pad_lanes_from : -1;
    for (int64_t oh = s_.oh * split / splits; oh < s_.oh * (split + 1) / splits; ++oh) {
      a.oh = oh;
      a.y = y + plane * out_plane + oh * s_.ow * B;
      a.residual = ep.residual ? ep.residual + plane * out_plane + oh * s_.ow * B : nullptr;
      k_.dw_row(a);
      if (post != Activation::kNone || last >= 0) k_.activate(a.y, s_.ow * B, post, ep.alpha, ep.beta, last);
    }
  }
}

}  // namespace lacuna::kernels
