// The NCHWc convolution driver: tile choice, weight packing, borders and work items.
#include "kernels/dense/blocked_conv2d.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/memory.h"

namespace lacuna::kernels {

namespace {

// The activation left after the in-register clamp (relu, relu6 and clip are clamps).
bool as_clamp(const Epilogue& ep, float* lo, float* hi) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (ep.act) {
    case Activation::kRelu: *lo = 0.f; *hi = inf; return true;
    case Activation::kRelu6: *lo = 0.f; *hi = 6.f; return true;
    case Activation::kClip: *lo = ep.alpha; *hi = ep.beta; return true;
    default: return false;
  }
}

// K-blocked order (see kblock_): a group's partial sums over an image's pixel tiles, and the
// weights of the input blocks run at a time, within these bytes (together about 2/3 of L1).
constexpr int64_t kKBlockPartialBytes = 32 << 10;
constexpr int64_t kKBlockWeightBytes = 24 << 10;

// Debugging switch: LACUNA_KBLOCK=0 keeps every layer in the one-pass order.
bool kblock_allowed() {
  const char* e = std::getenv("LACUNA_KBLOCK");
  return !(e && e[0] == '0');
}

// Estimated cycles of one tile over `steps` input channels x taps: FMAs (2 per cycle), loads
// (P broadcasts and OB weight vectors, 2 per cycle) or the FMA latency chain (4 cycles per step),
// whichever bounds, plus the epilogue.
double tile_cycles(int64_t steps, int p, int ob) {
  const double per_step = std::max({p * ob / 2.0, (p + ob) / 2.0, 4.0});
  return static_cast<double>(steps) * per_step + 2.0 * p * ob + 12.0;
}

}  // namespace

bool BlockedConv2d::supports(const Conv2dShape& s) {
  return s.groups == 1 && (s.stride_w == 1 || s.stride_w == 2) && s.stride_h >= 1 && s.dil_h >= 1 && s.dil_w >= 1;
}

BlockedConv2d::BlockedConv2d(const CpuInfo& cpu, const Conv2dShape& shape, const float* weights, bool src_plain)
    : k_(select_blocked_kernels(cpu)), s_(shape), plain_(src_plain) {
  const int B = k_.block;
  in_planes_ = plain_ ? s_.c : channel_blocks(s_.c, B);
  in_elem_ = plain_ ? 1 : B;
  out_blocks_ = channel_blocks(s_.k, B);
  flat_ = s_.r == 1 && s_.s == 1 && s_.stride_h == 1 && s_.stride_w == 1 && s_.pad_t == 0 && s_.pad_l == 0 &&
          s_.oh == s_.h && s_.ow == s_.w;
  choose_tile();

  // Packed weights per tile group: blocked [block][tap][ic < B][ob][B], plain [tap][c][ob][B].
  const int64_t taps = s_.r * s_.s;
  const int64_t ic_total = plain_ ? s_.c : in_planes_ * B;
  groups_ = (out_blocks_ + tile_ob_ - 1) / tile_ob_;
  group_offset_.resize(static_cast<size_t>(groups_ + 1));
  int64_t off = 0;
  for (int64_t g = 0; g < groups_; ++g) {
    group_offset_[static_cast<size_t>(g)] = off;
    off += ic_total * taps * std::min<int64_t>(tile_ob_, out_blocks_ - g * tile_ob_) * B;
  }
  group_offset_[static_cast<size_t>(groups_)] = off;
  weight_floats_ = off;
  float* mem = static_cast<float*>(allocate_aligned(static_cast<size_t>(std::max<int64_t>(off, 1)) * sizeof(float)));
  weights_ = std::shared_ptr<float>(mem, [](float* p) { free_aligned(p); });
  const int64_t ic_per_block = plain_ ? s_.c : B;
  const int64_t blocks = plain_ ? 1 : in_planes_;
  for (int64_t g = 0; g < groups_; ++g) {
    const int64_t ob_n = std::min<int64_t>(tile_ob_, out_blocks_ - g * tile_ob_);
    float* d = mem + group_offset_[static_cast<size_t>(g)];
    for (int64_t blk = 0; blk < blocks; ++blk) {
      for (int64_t t = 0; t < taps; ++t) {
        for (int64_t ic = 0; ic < ic_per_block; ++ic) {
          const int64_t c = blk * ic_per_block + ic;
          for (int64_t ob = 0; ob < ob_n; ++ob) {
            for (int lane = 0; lane < B; ++lane) {
              const int64_t k = (g * tile_ob_ + ob) * B + lane;
              *d++ = (k < s_.k && c < s_.c) ? weights[(k * s_.c + c) * taps + t] : 0.f;
            }
          }
        }
      }
    }
  }

  // Chunks of tile groups whose weights fit in half the L2.
  const int64_t group_bytes = ic_total * taps * tile_ob_ * B * static_cast<int64_t>(sizeof(float));
  // Chunks of equal size: VGG-16's 128->256 3x3 layer (8 groups, 7 fitting) had run as chunks of
  // 7 and 1 groups, which two workers split by chunk 7:1 (2 threads 1.12x faster than 1).
  const int64_t fit = std::clamp<int64_t>(cpu.l2_bytes / 2 / std::max<int64_t>(group_bytes, 1), 1, groups_);
  const int64_t nchunks = (groups_ + fit - 1) / fit;
  chunk_groups_ = (groups_ + nchunks - 1) / nchunks;
  // A batch runs chunk-major (every image through a chunk's weights, which stay in L2), unless
  // re-reading each image's input once per chunk moves more bytes than re-reading the weights
  // once per image: VGG-16's 512-channel 28x28 layers at batch 16 (16 chunks of 590 KB against
  // 1.6 MB per image) ran 6% faster overall image-major (in-process A/B, 20 alternated runs).
  image_major_ = s_.n > 1 && chunks() > 1 && chunks() * in_planes_ * s_.h * s_.w * in_elem_ > weight_floats_;
  // K-blocked order at batch 1 when a group's partial sums over all pixel tiles of the image fit
  // in L1 next to the weights of kblock_ input blocks, and the group's whole weights would not
  // (ResNet-50's 7x7 and 14x14 layers): dense resnet50 b1 1 thread 0.955 paired in-process A/B
  // (16 alternated rounds). Batches keep the one-pass order: chunk-major, their weights are
  // reused from L2 by every image, and K-blocking measured 6% slower at b16.
  if (!plain_ && s_.n == 1) {
    const int64_t tiles = lines() * tiles_per_line();
    const int64_t partial_bytes = tiles * tile_p_ * tile_ob_ * B * static_cast<int64_t>(sizeof(float));
    const int64_t block_bytes = taps * B * tile_ob_ * B * static_cast<int64_t>(sizeof(float));
    const int64_t kb = std::clamp<int64_t>(kKBlockWeightBytes / block_bytes, 1, in_planes_);
    if (tiles > 1 && partial_bytes <= kKBlockPartialBytes && kb < in_planes_ && kblock_allowed()) kblock_ = kb;
  }
}

BlockedConv2d::~BlockedConv2d() = default;

void BlockedConv2d::choose_tile() {
  const int64_t steps = (plain_ ? s_.c : in_planes_ * k_.block) * s_.r * s_.s;
  const int64_t line = flat_ ? s_.oh * s_.ow : s_.ow;
  double best = std::numeric_limits<double>::max();
  for (int ob = 1; ob <= std::min<int64_t>(plain_ ? k_.plain_max_ob : k_.max_ob, out_blocks_); ++ob) {
    const int64_t full = out_blocks_ / ob, rem = out_blocks_ % ob;
    for (int p = 1; p <= std::min<int64_t>(k_.max_acc / ob, line); ++p) {
      const int64_t tiles = line / p, tail = line % p;
      auto groups_cost = [&](int pp) {
        return static_cast<double>(full) * tile_cycles(steps, pp, ob) + (rem ? tile_cycles(steps, pp, static_cast<int>(rem)) : 0.0);
      };
      const double cost = static_cast<double>(tiles) * groups_cost(p) + (tail ? groups_cost(static_cast<int>(tail)) : 0.0);
      if (cost < best * (1 - 1e-9) || (cost <= best * (1 + 1e-9) && p * ob > tile_p_ * tile_ob_)) {
        best = std::min(best, cost);
        tile_p_ = p;
        tile_ob_ = ob;
      }
    }
  }
  // Debugging switch to try other tiles: LACUNA_NCHWC_TILE=PxOB.
  if (const char* env = std::getenv("LACUNA_NCHWC_TILE")) {
    int p = 0, ob = 0;
    if (std::sscanf(env, "%dx%d", &p, &ob) == 2 && p >= 1 && ob >= 1 && ob <= k_.max_ob && p * ob <= k_.max_acc) {
      tile_p_ = p;
      tile_ob_ = ob;
    }
  }
  line_pixels_ = flat_ ? tile_p_ * ((s_.ow + tile_p_ - 1) / tile_p_) : 0;
}

std::string BlockedConv2d::describe() const {
  return std::string(k_.name) + " " + std::to_string(tile_p_) + "x" + std::to_string(tile_ob_) +
         " chunks=" + std::to_string(chunks()) + (flat_ ? " flat" : "") +
         (plain_ ? " plain" : "") + (image_major_ ? " image-major" : "") +
         (kblock_ > 0 ? " kblock=" + std::to_string(kblock_) : "");
}

int64_t BlockedConv2d::lines() const {
  return flat_ ? (s_.oh * s_.ow + line_pixels_ - 1) / line_pixels_ : s_.oh;
}

int64_t BlockedConv2d::row_splits(int threads) const {
  if (threads <= 1) return 1;
  const int64_t base = s_.n * chunks();
  // At least 4 items per thread, and a multiple of the threads when that takes few more splits
  // (3 chunks x 3 splits would leave 4 and 5 items to 2 threads; 3 x 4 gives 6 and 6).
  const int64_t want = std::clamp<int64_t>((4 * threads + base - 1) / base, 1, lines());
  for (int64_t r = want; r <= std::min(lines(), 2 * want); ++r) {
    if ((base * r) % threads == 0) return r;
  }
  return want;
}

int64_t BlockedConv2d::work_items(int threads) const {
  return s_.n * chunks() * row_splits(threads);
}

int64_t BlockedConv2d::scratch_floats() const {
  const int64_t taps = s_.r * s_.s;
  const int64_t cols = (tile_p_ - 1) * s_.stride_w + (s_.s - 1) * s_.dil_w + 1;
  const int64_t strip = flat_ ? 0 : in_planes_ * s_.r * cols * in_elem_;
  return out_blocks_ * k_.block + 3 * taps + 16 + strip + 16;
}

void BlockedConv2d::run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, int threads,
                        float* scratch) const {
  const int B = k_.block;
  const int64_t taps = s_.r * s_.s;
  // Scratch: the padded bias, the tap tables, the border strip.
  float* bias = nullptr;
  if (ep.row_bias) {
    bias = scratch;
    std::memcpy(bias, ep.row_bias, static_cast<size_t>(s_.k) * sizeof(float));
    std::fill(bias + s_.k, bias + out_blocks_ * B, 0.f);
  }
  int64_t* tap_x = reinterpret_cast<int64_t*>(scratch + out_blocks_ * B);
  int32_t* tap_w = reinterpret_cast<int32_t*>(tap_x + taps);
  float* strip = scratch + out_blocks_ * B + 3 * taps + 16;
  const int64_t splits = row_splits(threads);
  const int64_t nl = lines();
  // K-blocked: partial sums wait in Y, so Y must not be the residual's storage.
  const int64_t y_floats = s_.n * out_blocks_ * s_.oh * s_.ow * B;
  const bool kblocked = kblock_ > 0 && !(ep.residual && ep.residual < y + y_floats && y < ep.residual + y_floats);
  for (int64_t item = begin; item < end; ++item) {
    // Chunk-major: a chunk's packed weights stay in L2 while every image of the batch streams
    // through them (image-major would reload all weights from L3 or DRAM for each image).
    const int64_t split = item % splits;
    const int64_t n = image_major_ ? item / splits / chunks() : (item / splits) % s_.n;
    const int64_t chunk = image_major_ ? (item / splits) % chunks() : item / splits / s_.n;
    const int64_t l0 = nl * split / splits, l1 = nl * (split + 1) / splits;
    const int64_t g0 = chunk * chunk_groups_, g1 = std::min(groups_, g0 + chunk_groups_);
    Prefetch pf;
    // Cold: the layer's first chunk, or the first item of this thread (chunks after the first
    // were prefetched while the previous one ran).
    pf.cold = !plain_ && ((chunk == 0 && (n == 0 || image_major_)) || item == begin);
    // The next chunk's weights, once the last image of the batch runs this chunk (image-major:
    // always).
    if (!plain_ && (image_major_ || n == s_.n - 1) && g1 < groups_) {
      const int64_t g2 = std::min(groups_, g1 + chunk_groups_);
      pf.next = reinterpret_cast<const char*>(weights_.get() + group_offset_[static_cast<size_t>(g1)]);
      pf.next_bytes = (group_offset_[static_cast<size_t>(g2)] - group_offset_[static_cast<size_t>(g1)]) *
                      static_cast<int64_t>(sizeof(float));
      pf.calls = std::max<int64_t>(1, (l1 - l0) * tiles_per_line() * (g1 - g0));
    }
    if (kblocked) {
      const int64_t steps = (in_planes_ + kblock_ - 1) / kblock_;
      pf.calls = std::max<int64_t>(1, pf.calls * steps);
      const bool cold = pf.cold;
      for (int64_t g = g0; g < g1; ++g) {
        for (int64_t b0 = 0; b0 < in_planes_; b0 += kblock_) {
          pf.cold = cold;
          for (int64_t line = l0; line < l1; ++line) {
            run_line(x, y, ep, n, g, g + 1, b0, std::min(in_planes_, b0 + kblock_), line, bias, strip, tap_x, tap_w,
                     pf);
          }
        }
      }
      continue;
    }
    for (int64_t line = l0; line < l1; ++line) {
      run_line(x, y, ep, n, g0, g1, 0, in_planes_, line, bias, strip, tap_x, tap_w, pf);
    }
  }
}

void BlockedConv2d::run_line(const float* x, float* y, const Epilogue& ep, int64_t n, int64_t g0, int64_t g1,
                             int64_t b0, int64_t b1, int64_t line, const float* bias, float* strip, int64_t* tap_x,
                             int32_t* tap_w, Prefetch& pf) const {
  const int B = k_.block;
  const int64_t elem = in_elem_;
  const int64_t in_plane = s_.h * s_.w * elem;
  const int64_t out_plane = s_.oh * s_.ow * B;
  const float* xn = x + (n * in_planes_ + b0) * in_plane;  // input block b0 of image n

  ConvTileArgs a;
  a.blocks = plain_ ? 1 : b1 - b0;
  a.accumulate = b0 > 0;
  a.partial = b1 < in_planes_;
  a.channels = plain_ ? s_.c : 0;
  a.all_taps = s_.r * s_.s;
  a.y_block_stride = out_plane;
  a.clamp = as_clamp(ep, &a.lo, &a.hi);
  a.tap_x = tap_x;
  a.tap_w = tap_w;
  const Activation post = a.clamp ? Activation::kNone : ep.act;
  // Padded output lanes stay zero unless the activation moves 0 (sigmoid, clip above 0, ...).
  const int pad_lanes_from =
      (s_.k % B != 0 && apply_activation(ep.act, 0.f, ep.alpha, ep.beta) != 0.f) ? static_cast<int>(s_.k % B) : -1;

  auto run_tile = [&](int64_t pixel0, int pt) {  // pixel0: output offset (pixels) within the plane
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t kb0 = g * tile_ob_;
      const int ob_n = static_cast<int>(std::min<int64_t>(tile_ob_, out_blocks_ - kb0));
      a.w = weights_.get() + group_offset_[static_cast<size_t>(g)] + b0 * a.all_taps * B * ob_n * B;
      const int64_t yoff = (n * out_blocks_ + kb0) * out_plane + pixel0 * B;
      a.y = y + yoff;
      a.bias = bias ? bias + kb0 * B : nullptr;
      a.residual = ep.residual ? ep.residual + yoff : nullptr;
      const int64_t tap_runs = std::max<int64_t>(1, a.blocks * a.taps);
      a.pf = nullptr;
      if (pf.cold) {  // this group's weights, two taps ahead of use
        const int64_t per_tap = tile_ob_ * B * B;
        a.pf = reinterpret_cast<const char*>(a.w + 2 * per_tap);
        a.pf_lines = per_tap * static_cast<int64_t>(sizeof(float)) / 64;
      } else if (pf.next && pf.done < pf.calls) {  // a slice of the next chunk's weights
        const int64_t lines = (pf.next_bytes / 64 + pf.calls - 1) / pf.calls;
        a.pf = pf.next + pf.done * lines * 64;
        a.pf_lines = (lines + tap_runs - 1) / tap_runs;
        ++pf.done;
      }
      k_.conv_tile(a, pt, ob_n, static_cast<int>(s_.stride_w), plain_);
      if (!a.partial && (post != Activation::kNone || pad_lanes_from >= 0)) {
        for (int ob = 0; ob < ob_n; ++ob) {
          const bool last = kb0 + ob == out_blocks_ - 1;
          if (post == Activation::kNone && !last) continue;
          k_.activate(a.y + ob * out_plane, pt * B, post, ep.alpha, ep.beta, last ? pad_lanes_from : -1);
        }
      }
    }
  };

  if (flat_) {
    const int64_t hw = s_.h * s_.w;
    const int64_t p0 = line * line_pixels_, p1 = std::min(hw, p0 + line_pixels_);
    tap_x[0] = 0;
    tap_w[0] = 0;
    a.taps = 1;
    a.x_block_stride = in_plane;
    a.channel_stride = hw;
    for (int64_t q = p0; q < p1; q += tile_p_) {
      a.x = xn + q * elem;
      run_tile(q, static_cast<int>(std::min<int64_t>(tile_p_, p1 - q)));
      pf.cold = false;
    }
    return;
  }

  const int64_t oh = line;
  const int64_t ih0 = oh * s_.stride_h - s_.pad_t;
  int64_t r0 = 0, r1 = s_.r;
  while (r0 < r1 && ih0 + r0 * s_.dil_h < 0) ++r0;
  while (r1 > r0 && ih0 + (r1 - 1) * s_.dil_h >= s_.h) --r1;
  const int64_t rows = r1 - r0;
  a.taps = rows * s_.s;
  for (int64_t ow0 = 0; ow0 < s_.ow; ow0 += tile_p_) {
    const int pt = static_cast<int>(std::min<int64_t>(tile_p_, s_.ow - ow0));
    const int64_t iw0 = ow0 * s_.stride_w - s_.pad_l;
    const int64_t cols = (pt - 1) * s_.stride_w + (s_.s - 1) * s_.dil_w + 1;
    if (iw0 >= 0 && iw0 + cols <= s_.w) {
      // Interior: read X in place.
      for (int64_t r = r0, t = 0; r < r1; ++r) {
        for (int64_t c = 0; c < s_.s; ++c, ++t) {
          tap_x[t] = ((ih0 + r * s_.dil_h) * s_.w + c * s_.dil_w) * elem;
          tap_w[t] = static_cast<int32_t>(r * s_.s + c);
        }
      }
      a.x = xn + iw0 * elem;
      a.x_block_stride = in_plane;
      a.channel_stride = in_plane;
    } else {
      // Border: the tile's input columns [iw0, iw0 + cols) of the valid rows, zero outside X.
      const int64_t v0 = std::clamp<int64_t>(-iw0, 0, cols), v1 = std::clamp<int64_t>(s_.w - iw0, v0, cols);
      for (int64_t pl = 0; pl < b1 - b0; ++pl) {
        for (int64_t ri = 0; ri < rows; ++ri) {
          float* d = strip + (pl * rows + ri) * cols * elem;
          const float* src = xn + pl * in_plane + ((ih0 + (r0 + ri) * s_.dil_h) * s_.w + iw0) * elem;
          std::fill(d, d + v0 * elem, 0.f);
          std::memcpy(d + v0 * elem, src + v0 * elem, static_cast<size_t>((v1 - v0) * elem) * sizeof(float));
          std::fill(d + v1 * elem, d + cols * elem, 0.f);
        }
      }
      for (int64_t ri = 0, t = 0; ri < rows; ++ri) {
        for (int64_t c = 0; c < s_.s; ++c, ++t) {
          tap_x[t] = (ri * cols + c * s_.dil_w) * elem;
          tap_w[t] = static_cast<int32_t>((r0 + ri) * s_.s + c);
        }
      }
      a.x = strip;
      a.x_block_stride = rows * cols * elem;
      a.channel_stride = rows * cols;
    }
    run_tile(oh * s_.ow + ow0, pt);
    pf.cold = false;
  }
}

}  // namespace lacuna::kernels
