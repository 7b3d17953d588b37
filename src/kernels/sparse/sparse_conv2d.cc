// SparseConv2d driver.
#include "kernels/sparse/sparse_conv2d.h"

#include <algorithm>

namespace lacuna::kernels {

namespace {

constexpr int64_t kTile = 16;  // JIT columns per vector

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

SparseConv2d::SparseConv2d(const CpuInfo& cpu, const Conv2dShape& s, const float* weights, const ConvEpilogueSpec& epi,
                           int threads, bool allow_jit)
    : k_(select_spmm_kernel(cpu)), gemm_(select_gemm_kernel(cpu)), s_(s), layout_(s, std::max<int64_t>(k_.tile, 64)) {
  const int64_t taps = s.r * s.s, cg = s.cg(), kg = s.kg();
  for (int64_t i = 0; i < s.k * cg * taps; ++i) nnz_ += weights[i] != 0.f;
  const auto& offs = layout_.tap_offsets();
  // A windowed convolution whose whole virtual grid fits one tile of the generic kernel (ResNet's
  // 3x3 layers on 7x7 planes: 63 columns) keeps its weights as data: the JIT would use each
  // non-zero's code for only four vectors, so streaming the code (about twice the bytes of
  // compact values and indices, and fetched by the front end without the data prefetchers)
  // dominates. Measured in one process on resnet50-p95 (batch 1, 1 thread): those layers
  // 1.23-1.36x faster; on 14x14 planes the JIT stays ahead.
  if (!s.pointwise() && layout_.grid_pixels() <= k_.tile) allow_jit = false;
  if (allow_jit && cpu.has(Isa::kAvx512)) {
    direct_ = s.pointwise();
    grid_ = direct_ ? s.pixels() : layout_.grid_pixels();
    // The virtual grid is the output itself (no junk columns: a strided pointwise convolution
    // on its phase plane): the code writes Y with the whole epilogue, as in direct mode.
    const bool grid_is_output = direct_ || (grid_ == s.pixels() && layout_.grid_width() == s.ow);
    jit_epilogue_ = grid_is_output && SpmmJit::fuses_activation(epi.act);
    const int64_t npix = s.pixels(), cs = layout_.channel_stride();
    int64_t k_chunk = 0;
    if (direct_ || jit_epilogue_) {
      // Pixels per chunk: the chunk's input (all channels) about 32 KiB, so it stays in L1
      // while every row block reads it; very deep inputs are K-chunked instead.
      chunk_ = kTile * std::clamp<int64_t>(512 / cg, 1, 8);
      if (cg * chunk_ * 4 > 32 * 1024) k_chunk = std::max<int64_t>(64, 32 * 1024 / (chunk_ * 4));
    } else {
      // Raw sums of a chunk for all output channels stay within 64 KiB of scratch; K-chunks of
      // input channels whose windows (the chunk plus the taps' reach) take about 24 KiB.
      chunk_ = kTile * std::clamp<int64_t>(1024 / std::max<int64_t>(1, kg), 1, 8);
      int64_t span = 0;
      for (int64_t o : offs) span = std::max(span, o % std::max<int64_t>(1, cs));
      const int64_t window = std::min<int64_t>(cs, chunk_ + span + 16);
      const int64_t channels = std::max<int64_t>(8, (24 * 1024 / 4) / std::max<int64_t>(1, window));
      if (channels < cg) k_chunk = channels * taps;
    }
    for (int64_t g = 0; g < s.groups && allow_jit; ++g) {
      SpmmJitSpec spec;
      spec.m = kg;
      spec.k = cg * taps;
      spec.w = weights + g * kg * cg * taps;
      spec.k_chunk = k_chunk;
      if (direct_) {
        spec.x_offset = [npix](int64_t c) { return c * npix; };
      } else {
        spec.x_offset = [cs, taps, &offs](int64_t col) { return (col / taps) * cs + offs[static_cast<size_t>(col % taps)]; };
      }
      if (jit_epilogue_) {
        spec.y_offset = [npix](int64_t r) { return r * npix; };
        spec.bias = epi.bias ? epi.bias + g * kg : nullptr;
        spec.residual = epi.residual;
        spec.act = epi.act;
        spec.alpha = epi.alpha;
        spec.beta = epi.beta;
      } else {
        const int64_t ld = chunk_;
        spec.y_offset = [ld](int64_t r) { return r * ld; };
      }
      auto jit = SpmmJit::create(spec, cpu);
      if (!jit) {
        jits_.clear();
        break;
      }
      jits_.push_back(std::move(jit));
    }
    if (!jits_.empty()) {
      // Work items: (image, group, block part, pixel range). Images and groups first; then row
      // blocks of equal non-zeros when there are plenty, else pixel ranges.
      const int64_t images = s.n * s.groups;
      if (images < 2 * threads) {
        // Row blocks split the code (each worker streams its share) but every worker reads all
        // of X; pixel ranges split X but every worker streams all the code. Pixel ranges when
        // they balance and, for pointwise layers, X outweighs the code and values: b1 2 threads,
        // in-process A/B against row blocks whenever there were plenty: resnet50-p95 0.919,
        // resnet50-p90 0.962 and 0.933, vgg16-p90 0.926 (paired medians of 8-20 rounds);
        // mobilenet_v2-p90 1.019 (its small layers within noise).
        const int64_t chunks = ceil_div(grid_, chunk_);
        int64_t most = 0;
        for (int64_t sp = 0; sp < threads; ++sp) {
          const int64_t c0 = chunks * sp / threads, c1 = chunks * (sp + 1) / threads;
          most = std::max(most, std::min(grid_, c1 * chunk_) - std::min(grid_, c0 * chunk_));
        }
        const bool balanced = chunks >= threads && most * threads * 4 <= grid_ * 5;
        const int64_t x_bytes = cg * grid_ * static_cast<int64_t>(sizeof(float));
        const int64_t code_bytes = static_cast<int64_t>(jits_[0]->code_bytes() + jits_[0]->data_bytes());
        const bool by_pixels = balanced && (!jit_epilogue_ || x_bytes >= code_bytes);
        if (by_pixels) pixel_splits_ = threads;
        else if (jits_[0]->blocks() >= 4 * threads) parts_ = threads;
        else pixel_splits_ = std::min<int64_t>(threads, chunks);
      }
      for (const auto& j : jits_) {
        part_bounds_.push_back(j->balanced_bounds(parts_));
        // Chunks of blocks of about kChunkBytes of code and values.
        constexpr int64_t kChunkBytes = 256 << 10, kBytesPerNnz = 11;
        std::vector<int64_t> starts{0}, row0{0};
        int64_t bytes = 0;
        for (int64_t b = 0; b < j->blocks(); ++b) {
          if (bytes > 0 && bytes + j->block_nnz(b) * kBytesPerNnz > kChunkBytes) {
            starts.push_back(b);
            bytes = 0;
          }
          bytes += j->block_nnz(b) * kBytesPerNnz;
          row0.push_back(row0.back() + j->block_rows(b));
        }
        starts.push_back(j->blocks());
        block_chunks_.push_back(std::move(starts));
        block_row0_.push_back(std::move(row0));
      }
      return;
    }
  }
  // Generic kernel.
  direct_ = s.pointwise() && s.pixels() >= k_.tile;
  grid_ = direct_ ? s.pixels() : layout_.grid_pixels();
  const int64_t cs = direct_ ? s.h * s.w : layout_.channel_stride();
  // Input channels per K-block: their windows (tile plus the taps' reach, in each phase plane)
  // should fit in about 24 KiB of L1 -- but blocks also cost a pass over the output tile, so keep
  // a few non-zeros per row in each.
  int64_t span = 0;
  for (int64_t o : offs) span = std::max(span, o % std::max<int64_t>(1, layout_.channel_stride()));
  const int64_t window = direct_ ? k_.tile : std::min<int64_t>(layout_.channel_stride(), k_.tile + span + 16);
  int64_t per_block = std::max<int64_t>(1, (24 * 1024 / 4) / std::max<int64_t>(1, window));
  constexpr int64_t kPerBlock = 8;  // measured: 4-8 beat 16-32 on ResNet 3x3 shapes
  const int64_t max_blocks = std::max<int64_t>(1, nnz_ / std::max<int64_t>(1, s.k) / kPerBlock);
  per_block = std::max(per_block, (cg + max_blocks - 1) / max_blocks);
  const int64_t blocks = (cg + per_block - 1) / per_block;
  const bool direct = direct_;
  for (int64_t g = 0; g < s.groups; ++g) {
    weights_.emplace_back(
        weights + g * kg * cg * taps, kg, cg * taps,
        [&](int64_t k) { return (k / taps) * cs + (direct ? 0 : offs[static_cast<size_t>(k % taps)]); },
        [&](int64_t k) { return (k / taps) / per_block; }, blocks);
  }
  const int64_t tiles = ceil_div(grid_, k_.tile);
  const int64_t items = s_.n * s_.groups * tiles;
  splits_ = items >= threads ? 1 : std::min<int64_t>((threads + items - 1) / items, weights_[0].groups());
  for (const auto& w : weights_) bounds_.push_back(balanced_group_bounds(w, splits_));
}

const char* SparseConv2d::kernel_name() const { return jits_.empty() ? k_.name : "spmm_jit_f32_avx512"; }

double SparseConv2d::density() const {
  return static_cast<double>(nnz_) / static_cast<double>(std::max<int64_t>(1, s_.k * s_.cg() * s_.r * s_.s));
}

size_t SparseConv2d::weight_bytes() const {
  size_t b = 0;
  for (const auto& j : jits_) b += j->code_bytes() + j->data_bytes();
  for (const auto& w : weights_) b += w.bytes();
  return b;
}

int64_t SparseConv2d::scratch_floats() const {
  if (!jits_.empty()) return jit_epilogue_ ? 64 : s_.kg() * chunk_ + 64;
  return (weights_[0].groups() * kSparseGroup) * k_.tile + 64;
}

int64_t SparseConv2d::work_items() const {
  if (!jits_.empty()) return s_.n * s_.groups * parts_ * pixel_splits_;
  return s_.n * s_.groups * ceil_div(grid_, k_.tile) * splits_;
}

void SparseConv2d::run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const {
  if (!jits_.empty()) {
    run_jit(x, y, ep, begin, end, scratch);
  } else {
    run_generic(x, y, ep, begin, end, scratch);
  }
}

void SparseConv2d::run_jit(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end,
                           float* scratch) const {
  const int64_t chunks = ceil_div(grid_, chunk_);
  const int64_t npix = s_.pixels(), cg = s_.cg(), kg = s_.kg();
  const int64_t cs = direct_ ? npix : layout_.channel_stride();
  for (int64_t item = begin; item < end; ++item) {
    int64_t rest = item;
    const int64_t split = rest % pixel_splits_;
    rest /= pixel_splits_;
    const int64_t part = rest % parts_;
    rest /= parts_;
    const int64_t g = rest % s_.groups;
    const int64_t n = rest / s_.groups;
    const SpmmJit& jit = *jits_[static_cast<size_t>(g)];
    const auto& bounds = part_bounds_[static_cast<size_t>(g)];
    const int64_t b0 = bounds[static_cast<size_t>(part)], b1 = bounds[static_cast<size_t>(part + 1)];
    if (b0 >= b1) continue;
    const int64_t c0 = chunks * split / pixel_splits_, c1 = chunks * (split + 1) / pixel_splits_;
    const float* xn = x + (n * s_.c + g * cg) * cs;
    const int64_t yplane = (n * s_.k + g * kg) * npix;
    // Chunks of blocks whose code stays in L2 while every pixel chunk runs through it; the
    // first is prefetched up front, each next one spread over the calls of the one before.
    const auto& starts = block_chunks_[static_cast<size_t>(g)];
    auto bc = std::upper_bound(starts.begin(), starts.end(), b0) - 1;
    jit.prefetch(b0, std::min(*(bc + 1), b1));
    for (; bc + 1 < starts.end() && *bc < b1; ++bc) {
      const int64_t cb0 = std::max(*bc, b0), cb1 = std::min(*(bc + 1), b1);
      const int64_t nb1 = bc + 2 < starts.end() ? std::min(*(bc + 2), b1) : cb1;
      const int64_t calls = (c1 - c0) * jit.chunks() * (cb1 - cb0);
      int64_t call = 0;
      for (int64_t chunk = c0; chunk < c1; ++chunk) {
        const int64_t p0 = chunk * chunk_, cols = std::min(chunk_, grid_ - p0);
        const float* xc = xn + p0;
        float* out = jit_epilogue_ ? y + yplane + p0 : scratch;
        const float* z = jit_epilogue_ && ep.residual ? ep.residual + yplane + p0 : nullptr;
        for (int64_t kc = 0; kc < jit.chunks(); ++kc) {
          for (int64_t b = cb0; b < cb1; ++b) {
            if (nb1 > cb1) jit.prefetch(cb1, nb1, call++, calls);
            jit.run(b, kc, xc, out, z, cols);
          }
        }
        if (jit_epilogue_) continue;
        const int64_t r0 = block_row0_[static_cast<size_t>(g)][static_cast<size_t>(cb0)];
        const int64_t r1 = block_row0_[static_cast<size_t>(g)][static_cast<size_t>(cb1)];
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t co = g * kg + r;
          const float* src = scratch + r * chunk_;
          float* yc = y + (n * s_.k + co) * npix;
          const float* rc = ep.residual ? ep.residual + (n * s_.k + co) * npix : nullptr;
          const float bias = ep.row_bias ? ep.row_bias[co] : 0.f;
          if (direct_) {
            gemm_.row_epilogue(yc + p0, src, cols, bias, rc ? rc + p0 : nullptr, ep);
          } else {
            layout_.write_output(gemm_, src, p0, p0 + cols, yc, bias, rc, ep);
          }
        }
      }
    }
  }
}

void SparseConv2d::run_generic(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end,
                               float* scratch) const {
  const int64_t tile = k_.tile;
  const int64_t tiles = ceil_div(grid_, tile);
  const int64_t npix = s_.pixels();
  const int64_t cs = direct_ ? s_.h * s_.w : layout_.channel_stride();
  for (int64_t item = begin; item < end; ++item) {
    int64_t rest = item;
    const int64_t split = rest % splits_;
    rest /= splits_;
    const int64_t t = rest % tiles;
    rest /= tiles;
    const int64_t g = rest % s_.groups;
    const int64_t n = rest / s_.groups;
    const SparseRows& w = weights_[static_cast<size_t>(g)];
    const auto& bounds = bounds_[static_cast<size_t>(g)];
    const int64_t g0 = bounds[static_cast<size_t>(split)], g1 = bounds[static_cast<size_t>(split + 1)];
    if (g0 >= g1) continue;
    // Direct mode: the last tile ends at the plane's end, overlapping the previous one.
    const int64_t v0 = direct_ ? std::min(t * tile, grid_ - tile) : t * tile;
    const int64_t v1 = std::min(grid_, v0 + tile);
    const float* xt = x + (n * s_.c + g * s_.cg()) * cs + v0;
    for (int64_t b = 0; b < w.blocks(); ++b) {
      k_.rows(w.entries(), w.block_steps(b) + g0, g1 - g0, xt, scratch, tile, b > 0);
    }
    for (int64_t pos = g0 * kSparseGroup; pos < std::min(w.rows(), g1 * kSparseGroup); ++pos) {
      const int64_t co = g * s_.kg() + w.row_at(pos);
      const float* src = scratch + (pos - g0 * kSparseGroup) * tile;
      float* yc = y + (n * s_.k + co) * npix;
      const float* rc = ep.residual ? ep.residual + (n * s_.k + co) * npix : nullptr;
      const float bias = ep.row_bias ? ep.row_bias[co] : 0.f;
      if (direct_) {
        gemm_.row_epilogue(yc + v0, src, v1 - v0, bias, rc ? rc + v0 : nullptr, ep);
      } else {
        layout_.write_output(gemm_, src, v0, v1, yc, bias, rc, ep);
      }
    }
  }
}

}  // namespace lacuna::kernels
