// SparseConv2d driver.
#include "kernels/sparse/sparse_conv2d.h"

#include <algorithm>

namespace lacuna::kernels {

SparseConv2d::SparseConv2d(const SpmmKernel& spmm, const GemmKernel& gemm, const Conv2dShape& s, const float* weights,
                           int threads)
    : k_(spmm), gemm_(gemm), s_(s), layout_(s, spmm.tile) {
  const int64_t taps = s.r * s.s, cg = s.cg(), kg = s.kg();
  // Input channels per K-block: their windows (tile plus the taps' reach, in each phase plane)
  // should fit in about 24 KiB of L1.
  const auto& offs = layout_.tap_offsets();
  int64_t span = 0;
  for (int64_t o : offs) span = std::max(span, o % std::max<int64_t>(1, layout_.channel_stride()));
  const int64_t window = std::min<int64_t>(layout_.channel_stride(), spmm.tile + span + 16);
  const int64_t per_block = std::max<int64_t>(1, (24 * 1024 / 4) / std::max<int64_t>(1, window));
  const int64_t blocks = (cg + per_block - 1) / per_block;
  const int64_t cs = layout_.channel_stride();
  for (int64_t g = 0; g < s.groups; ++g) {
    weights_.emplace_back(
        weights + g * kg * cg * taps, kg, cg * taps,
        [&](int64_t k) { return (k / taps) * cs + offs[static_cast<size_t>(k % taps)]; },
        [&](int64_t k) { return (k / taps) / per_block; }, blocks);
  }
  const int64_t tiles = (layout_.grid_pixels() + k_.tile - 1) / k_.tile;
  const int64_t items = s_.n * s_.groups * tiles;
  splits_ = items >= threads ? 1 : std::min<int64_t>((threads + items - 1) / items, kg);
  for (const auto& w : weights_) bounds_.push_back(balanced_row_bounds(w, splits_));
}

int64_t SparseConv2d::nnz() const {
  int64_t n = 0;
  for (const auto& w : weights_) n += w.nnz();
  return n;
}

double SparseConv2d::density() const {
  const double total = static_cast<double>(s_.k) * static_cast<double>(s_.cg() * s_.r * s_.s);
  return total > 0 ? static_cast<double>(nnz()) / total : 0.0;
}

size_t SparseConv2d::weight_bytes() const {
  size_t b = 0;
  for (const auto& w : weights_) b += w.bytes();
  return b;
}

int64_t SparseConv2d::scratch_floats() const { return s_.kg() * k_.tile + 64; }

int64_t SparseConv2d::work_items() const {
  const int64_t tiles = (layout_.grid_pixels() + k_.tile - 1) / k_.tile;
  return s_.n * s_.groups * tiles * splits_;
}

void SparseConv2d::run(const float* padded, float* y, const Epilogue& ep, int64_t begin, int64_t end,
                       float* scratch) const {
  const int64_t tile = k_.tile;
  const int64_t grid = layout_.grid_pixels();
  const int64_t tiles = (grid + tile - 1) / tile;
  const int64_t splits = splits_;
  const int64_t npix = s_.pixels();
  const int64_t cs = layout_.channel_stride();
  for (int64_t item = begin; item < end; ++item) {
    int64_t rest = item;
    const int64_t split = rest % splits;
    rest /= splits;
    const int64_t t = rest % tiles;
    rest /= tiles;
    const int64_t g = rest % s_.groups;
    const int64_t n = rest / s_.groups;
    const SparseRows& w = weights_[static_cast<size_t>(g)];
    const auto& bounds = bounds_[static_cast<size_t>(g)];
    const int64_t r0 = bounds[static_cast<size_t>(split)], r1 = bounds[static_cast<size_t>(split + 1)];
    if (r0 >= r1) continue;
    const int64_t v0 = t * tile;
    const float* x = padded + (n * s_.c + g * s_.cg()) * cs + v0;
    for (int64_t b = 0; b < w.blocks(); ++b) {
      k_.rows(w.entries(), w.block_begins(b) + r0, r1 - r0, x, scratch, tile, b > 0);
    }
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t co = g * s_.kg() + r;
      layout_.write_output(gemm_, scratch + (r - r0) * tile, v0, std::min(grid, v0 + tile), y + (n * s_.k + co) * npix,
                           ep.row_bias ? ep.row_bias[co] : 0.f, ep.residual ? ep.residual + (n * s_.k + co) * npix : nullptr,
                           ep);
    }
  }
}

}  // namespace lacuna::kernels
