// SparseLinear driver.
#include "kernels/sparse/sparse_linear.h"

#include <algorithm>
#include <cstdint>

namespace lacuna::kernels {

namespace {

constexpr int64_t kJitTile = 16;
// K columns per JIT chunk: a tile's slice (16 floats per column) of 24 KiB stays in L1.
constexpr int64_t kJitKChunk = 384;
// Code and values per K-chunk of a chunk of blocks: its code stays in L1i while every tile runs
// through it (measured on bert-base-p90: 24 KiB, one block of 30 rows at 90 % zeros, beat 32 and
// 48 KiB, and the former chunks of 256 KiB of code run tile by tile, by 3-7 %).
constexpr int64_t kJitChunkBytes = 24 << 10;
// Token tiles per pass over the code: their packed X within about 768 KiB of L2 (it must stay
// there while the layer's code and values stream through L2 to every group), and at most 8
// (128 tokens). BERT's second FFN layer (K = 3072) so runs 128 tokens as two groups of 4 tiles:
// 1.5 MiB of X had been leaving L2 and came back from L3 for each of its 26 row blocks
// (bert-base-p90 b1, in-process A/B against 1.5 MiB: paired 0.946, 0.970 and 0.954 with 1
// thread over 30-40 alternated rounds, 0.971 with 2; a third of it, 2 tiles, 1.017).
// Longer inputs (a whole batch of sequences) run tile by tile over chunks of kJitWideChunkBytes
// of code and values that stay in L2: bert-base-p90 at batch 16 (2048 tokens) took 1.3-1.7 s
// with the small chunks (by groups of 8 tiles, or all tiles at once), 0.84 s so.
constexpr int64_t kJitGroupBytes = 768 << 10;
constexpr int64_t kJitMaxGroupTiles = 8;
constexpr int64_t kJitWideChunkBytes = 256 << 10;
// Bytes of code and data per non-zero (7-byte FMA + 4-byte value).
constexpr int64_t kJitBytesPerNnz = 11;

// K rows per block of the generic kernel: a block's tile of transposed activations is 32 KiB.
int64_t rows_per_block(int tile) { return std::max<int64_t>(16, 32 * 1024 / 4 / tile); }

}  // namespace

SparseLinear::SparseLinear(const CpuInfo& cpu, const float* w, int64_t m, int64_t k, bool k_major, int64_t tokens,
                           int threads, bool allow_jit)
    : sk_(select_spmm_kernel(cpu)), m_(m), k_(k), tokens_(tokens) {
  std::vector<float> rows;
  if (k_major) {  // W^T: row o of the output reads column o of the [K x M] matrix
    rows.resize(static_cast<size_t>(m * k));
    for (int64_t kk = 0; kk < k; ++kk) {
      for (int64_t o = 0; o < m; ++o) rows[static_cast<size_t>(o * k + kk)] = w[kk * m + o];
    }
    w = rows.data();
  }
  for (int64_t i = 0; i < m * k; ++i) nnz_ += w[i] != 0.f;
  if (allow_jit) {
    SpmmJitSpec spec;
    spec.m = m;
    spec.k = k;
    spec.w = w;
    spec.x_offset = [](int64_t c) { return c * kJitTile; };
    spec.y_offset = [](int64_t r) { return r * kJitTile; };
    spec.k_chunk = kJitKChunk;
    jit_ = SpmmJit::create(spec, cpu);
  }
  if (jit_) {
    parts_ = jit_->balanced_bounds(threads);
    // Up to 128 tokens: small chunks whose code per K-chunk stays in L1i, run over all tiles.
    // More (a batch of sequences): chunks of code that stay in L2, run tile by tile (X streams).
    wide_ = (tokens + kJitTile - 1) / kJitTile > kJitMaxGroupTiles;
    const int64_t budget = wide_ ? kJitWideChunkBytes : kJitChunkBytes * jit_->chunks();
    // Chunks of blocks by code size, never across a worker's share.
    for (size_t p = 0; p + 1 < parts_.size(); ++p) {
      int64_t bytes = 0;
      for (int64_t b = parts_[p]; b < parts_[p + 1]; ++b) {
        if (b == parts_[p] || bytes + jit_->block_nnz(b) * kJitBytesPerNnz > budget) {
          chunk_starts_.push_back(b);
          bytes = 0;
        }
        bytes += jit_->block_nnz(b) * kJitBytesPerNnz;
      }
    }
    chunk_starts_.push_back(jit_->blocks());
    for (int64_t b = 0; b < jit_->blocks(); ++b) {
      block_row0_.push_back(static_cast<int64_t>(block_row0_.empty() ? 0 : block_row0_.back() + jit_->block_rows(b - 1)));
    }
    block_row0_.push_back(m);
    // Tiles per group: the group's X fits in about 768 KiB of L2 (so that it stays there while
    // every chunk of code runs over it), at most 128 tokens; one tile at a time when wide.
    group_tiles_ = wide_ ? 1 : std::clamp<int64_t>(kJitGroupBytes / (k * kJitTile * 4), 1, kJitMaxGroupTiles);
    for (size_t c = 0; c + 1 < chunk_starts_.size(); ++c) {
      chunk_rows_ = std::max(chunk_rows_, block_row0_[static_cast<size_t>(chunk_starts_[c + 1])] -
                                              block_row0_[static_cast<size_t>(chunk_starts_[c])]);
    }
    return;
  }
  // Generic kernel: K rows per block L1-sized, but with a few dozen non-zeros per row in each.
  const int64_t max_blocks = std::max<int64_t>(1, nnz_ / std::max<int64_t>(1, m) / 32);
  const int64_t kb = std::max(rows_per_block(sk_.tile), (k + max_blocks - 1) / max_blocks);
  const int64_t tile = sk_.tile;
  w_ = SparseRows(w, m, k, [tile](int64_t c) { return c * tile; }, [kb](int64_t c) { return c / kb; }, (k + kb - 1) / kb);
  const int64_t tiles = (tokens + tile - 1) / tile;
  splits_ = tiles >= threads ? 1 : std::min<int64_t>((threads + tiles - 1) / tiles, w_.groups());
  bounds_ = balanced_group_bounds(w_, splits_);
}

const char* SparseLinear::kernel_name() const { return jit_ ? "spmm_jit_f32_avx512" : sk_.name; }

size_t SparseLinear::weight_bytes() const { return jit_ ? jit_->code_bytes() + jit_->data_bytes() : w_.bytes(); }

int64_t SparseLinear::shared_floats() const {
  return jit_ ? ((tokens_ + kJitTile - 1) / kJitTile) * k_ * kJitTile + 64 : 0;
}

int64_t SparseLinear::scratch_floats() const {
  if (jit_) return chunk_rows_ * group_tiles_ * kJitTile + 64;
  return (k_ + 2 * (w_.groups() * kSparseGroup)) * sk_.tile + 64;
}

int64_t SparseLinear::pack_items() const { return jit_ ? (tokens_ + kJitTile - 1) / kJitTile : 0; }

void SparseLinear::pack(const float* x, int64_t ldx, float* shared, int64_t begin, int64_t end) const {
  for (int64_t t = begin; t < end; ++t) {
    const int64_t t0 = t * kJitTile;
    sk_.pack_transposed(x + t0 * ldx, ldx, std::min(kJitTile, tokens_ - t0), k_, shared + t * k_ * kJitTile, kJitTile);
  }
}

int64_t SparseLinear::work_items() const {
  if (jit_) return static_cast<int64_t>(parts_.size()) - 1;
  return ((tokens_ + sk_.tile - 1) / sk_.tile) * splits_;
}

void SparseLinear::run(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias, const float* residual,
                       int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end, const float* shared,
                       float* scratch) const {
  if (jit_) {
    run_jit(y, ldy, bias, residual, ld_residual, ep, begin, end, shared, scratch);
  } else {
    run_generic(x, ldx, y, ldy, bias, residual, ld_residual, ep, begin, end, scratch);
  }
}

void SparseLinear::run_jit(float* y, int64_t ldy, const float* bias, const float* residual, int64_t ld_residual,
                           const Epilogue& ep, int64_t begin, int64_t end, const float* shared, float* scratch) const {
  const int64_t tiles = (tokens_ + kJitTile - 1) / kJitTile;
  const int64_t tile_floats = chunk_rows_ * kJitTile;  // one tile's rows of a chunk in scratch
  for (int64_t part = begin; part < end; ++part) {
    const int64_t b_begin = parts_[static_cast<size_t>(part)], b_end = parts_[static_cast<size_t>(part + 1)];
    const auto first = std::lower_bound(chunk_starts_.begin(), chunk_starts_.end(), b_begin);
    // Tiles [t_begin, t_end) through every chunk of blocks of this share. The first chunk is
    // prefetched up front; each later one line by line, spread over the block calls of the chunk
    // before it (bursts of prefetches would only queue behind each other).
    auto over_chunks = [&](int64_t t_begin, int64_t t_end) {
      if (first + 1 < chunk_starts_.end()) jit_->prefetch(*first, std::min(*(first + 1), b_end));
      for (auto c = first; c + 1 < chunk_starts_.end() && *c < b_end; ++c) {
        const int64_t cb0 = *c, cb1 = std::min(*(c + 1), b_end);
        const int64_t nb1 = c + 2 < chunk_starts_.end() ? std::min(*(c + 2), b_end) : cb1;  // next chunk [cb1, nb1)
        const int64_t r0 = block_row0_[static_cast<size_t>(cb0)], rows = block_row0_[static_cast<size_t>(cb1)] - r0;
        const int64_t calls = (t_end - t_begin) * jit_->chunks() * (cb1 - cb0);
        int64_t call = 0;
        for (int64_t g0 = t_begin; g0 < t_end; g0 += group_tiles_) {
          const int64_t g1 = std::min(t_end, g0 + group_tiles_);
          // K-chunk by K-chunk, every tile of the group through the chunk's code while it is hot
          // in L1; partial sums wait in scratch (tile t's row r at ((t - g0) * chunk_rows_ + r - r0) * 16).
          for (int64_t kc = 0; kc < jit_->chunks(); ++kc) {
            for (int64_t t = g0; t < g1; ++t) {
              const float* xt = shared + t * k_ * kJitTile;
              // The code addresses row r at r * 16 floats: shift the tile's base by the chunk's first row.
              float* yt = reinterpret_cast<float*>(reinterpret_cast<uintptr_t>(scratch + (t - g0) * tile_floats) -
                                                   static_cast<uintptr_t>(r0 * kJitTile) * sizeof(float));
              for (int64_t b = cb0; b < cb1; ++b) {
                if (nb1 > cb1) jit_->prefetch(cb1, nb1, call++, calls);
                jit_->run(b, kc, xt, yt, nullptr, kJitTile);
              }
            }
          }
          for (int64_t t = g0; t < g1; ++t) {
            const int64_t t0 = t * kJitTile, cols = std::min(kJitTile, tokens_ - t0);
            sk_.unpack_transposed(scratch + (t - g0) * tile_floats, kJitTile, rows, cols, y + t0 * ldy + r0, ldy,
                                  bias ? bias + r0 : nullptr, residual ? residual + t0 * ld_residual + r0 : nullptr,
                                  ld_residual, ep);
          }
        }
      }
    };
    if (wide_) {
      over_chunks(0, tiles);  // chunk by chunk, one tile at a time (group_tiles_ = 1)
    } else {
      for (int64_t g0 = 0; g0 < tiles; g0 += group_tiles_) over_chunks(g0, std::min(tiles, g0 + group_tiles_));
    }
  }
}

void SparseLinear::run_generic(const float* x, int64_t ldx, float* y, int64_t ldy, const float* bias,
                               const float* residual, int64_t ld_residual, const Epilogue& ep, int64_t begin,
                               int64_t end, float* scratch) const {
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
    sk_.pack_transposed(x + t0 * ldx, ldx, cols, k_, xt, tile);
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
      sk_.unpack_transposed(co, tile, m_, cols, y + t0 * ldy, ldy, bias, residual ? residual + t0 * ld_residual : nullptr,
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
