// SparseLinear driver.
#include "kernels/sparse/sparse_linear.h"


#include <algorithm>

namespace lacuna::kernels {

namespace {
// K rows per block: a block's tile of transposed activations is 32 KiB.
int64_t rows_per_block(int tile) { return std::max<int64_t>(16, 32 * 1024 / 4 / tile); }
}  // namespace

SparseLinear::SparseLinear(const SpmmKernel& spmm, const float* w, int64_t m, int64_t k, bool k_major,
                           int64_t tokens, int threads)
    : sk_(spmm), m_(m), k_(k), tokens_(tokens) {
  std::vector<float> rows;
  if (k_major) {  // W^T: row o of the output reads column o of the [K x M] matrix
    rows.resize(static_cast<size_t>(m * k));
    for (int64_t kk = 0; kk < k; ++kk) {
      for (int64_t o = 0; o < m; ++o) rows[static_cast<size_t>(o * k + kk)] = w[kk * m + o];
    }
    w = rows.data();
  }
  // K rows per block: L1-sized, but with a few dozen non-zeros per row in each.
  int64_t nnz = 0;
  for (int64_t i = 0; i < m * k; ++i) nnz += w[i] != 0.f;
  const int64_t max_blocks = std::max<int64_t>(1, nnz / std::max<int64_t>(1, m) / 32);
  const int64_t kb = std::max(rows_per_block(spmm.tile), (k + max_blocks - 1) / max_blocks);
  const int64_t tile = spmm.tile;
  w_ = SparseRows(w, m, k, [tile](int64_t c) { return c * tile; }, [kb](int64_t c) { return c / kb; }, (k + kb - 1) / kb);
  const int64_t tiles = (tokens + tile - 1) / tile;
  splits_ = tiles >= threads ? 1 : std::min<int64_t>((threads + tiles - 1) / tiles, w_.groups());
  bounds_ = balanced_group_bounds(w_, splits_);
}

int64_t SparseLinear::scratch_floats() const {
  return (k_ + 2 * (w_.groups() * kSparseGroup)) * sk_.tile + 64;
}

int64_t SparseLinear::work_items() const { return ((tokens_ + sk_.tile - 1) / sk_.tile) * splits_; }

void SparseLinear::run(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias, const float* residual,
                       int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end, float* scratch) const {
  const int64_t tile = sk_.tile;
  const int64_t splits = splits_;
  const int64_t tokens = tokens_;
  float* xt = scratch;
  float* ct = scratch + k_ * tile;
  const std::vector<int64_t>& bounds = bounds_;
  float* co = ct + w_.groups() * kSparseGroup * tile;  // C back in output-feature order
  for (int64_t item = begin; item < end; ++item) {
    const int64_t split = item % splits;
    const int64_t t0 = (item / splits) * tile;
    const int64_t cols = std::min(tile, tokens - t0);
    const int64_t g0 = bounds[static_cast<size_t>(split)], g1 = bounds[static_cast<size_t>(split + 1)];
    if (g0 >= g1) continue;
    sk_.pack_transposed(x + t0 * ldx, ldx, cols, k_, xt);
    for (int64_t b = 0; b < w_.blocks(); ++b) {
      sk_.rows(w_.entries(), w_.block_steps(b) + g0, g1 - g0, xt, ct, tile, b > 0);
    }
    const int64_t p0 = g0 * kSparseGroup, p1 = std::min(m_, g1 * kSparseGroup);
    if (splits == 1) {  // all rows: un-permute, then one transposed write
      for (int64_t pos = 0; pos < m_; ++pos) {
        const float* src = ct + pos * tile;
        float* dst = co + w_.row_at(pos) * tile;
        for (int64_t j = 0; j < tile; ++j) dst[j] = src[j];
      }
      sk_.unpack_transposed(co, m_, cols, y + t0 * ldy, ldy, bias, residual ? residual + t0 * ld_residual : nullptr,
                            ld_residual, ep);
    } else {  // a share of the rows: write them one by one
      for (int64_t pos = p0; pos < p1; ++pos) {
        const int64_t o = w_.row_at(pos);
        const float* src = ct + (pos - p0) * tile;
        for (int64_t t = 0; t < cols; ++t) {
          float v = src[t] * ep.scale + (bias ? bias[o] : 0.f);
          if (residual) v += residual[(t0 + t) * ld_residual + o];
          y[(t0 + t) * ldy + o] = apply_activation(ep.act, v, ep.alpha, ep.beta);
        }
      }
    }
  }
}

}  // namespace lacuna::kernels
