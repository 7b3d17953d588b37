// SparseConv2d driver.
#include "kernels/sparse/sparse_conv2d.h"

#include <algorithm>

namespace lacuna::kernels {

SparseConv2d::SparseConv2d(const SpmmKernel& spmm, const GemmKernel& gemm, const Conv2dShape& s, const float* weights,
                           int threads)
    : k_(spmm), gemm_(gemm), s_(s), layout_(s, spmm.tile) {
  const int64_t taps = s.r * s.s, cg = s.cg(), kg = s.kg();
  direct_ = s.pointwise() && s.pixels() >= spmm.tile;
  grid_ = direct_ ? s.pixels() : layout_.grid_pixels();
  const int64_t cs = direct_ ? s.h * s.w : layout_.channel_stride();
  const auto& offs = layout_.tap_offsets();
  // Input channels per K-block: their windows (tile plus the taps' reach, in each phase plane)
  // should fit in about 24 KiB of L1 -- but blocks also cost a pass over the output tile, so keep
  // a few dozen non-zeros per row in each.
  int64_t span = 0;
  for (int64_t o : offs) span = std::max(span, o % std::max<int64_t>(1, layout_.channel_stride()));
  const int64_t window = direct_ ? spmm.tile : std::min<int64_t>(layout_.channel_stride(), spmm.tile + span + 16);
  int64_t per_block = std::max<int64_t>(1, (24 * 1024 / 4) / std::max<int64_t>(1, window));
  int64_t nnz = 0;
  for (int64_t i = 0; i < s.k * cg * taps; ++i) nnz += weights[i] != 0.f;
  constexpr int64_t kPerBlock = 8;  // measured: 4-8 beat 16-32 on ResNet 3x3 shapes
  const int64_t max_blocks = std::max<int64_t>(1, nnz / std::max<int64_t>(1, s.k) / kPerBlock);
  per_block = std::max(per_block, (cg + max_blocks - 1) / max_blocks);
  const int64_t blocks = (cg + per_block - 1) / per_block;
  for (int64_t g = 0; g < s.groups; ++g) {
    weights_.emplace_back(
        weights + g * kg * cg * taps, kg, cg * taps,
        [&](int64_t k) { return (k / taps) * cs + (direct_ ? 0 : offs[static_cast<size_t>(k % taps)]); },
        [&](int64_t k) { return (k / taps) / per_block; }, blocks);
  }
  const int64_t tiles = (grid_ + k_.tile - 1) / k_.tile;
  const int64_t items = s_.n * s_.groups * tiles;
  splits_ = items >= threads ? 1 : std::min<int64_t>((threads + items - 1) / items, weights_[0].groups());
  for (const auto& w : weights_) bounds_.push_back(balanced_group_bounds(w, splits_));
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

int64_t SparseConv2d::scratch_floats() const { return (weights_[0].groups() * kSparseGroup) * k_.tile + 64; }

int64_t SparseConv2d::work_items() const {
  const int64_t tiles = (grid_ + k_.tile - 1) / k_.tile;
  return s_.n * s_.groups * tiles * splits_;
}

void SparseConv2d::run(const float* x, float* y, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const {
  const int64_t tile = k_.tile;
  const int64_t tiles = (grid_ + tile - 1) / tile;
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
