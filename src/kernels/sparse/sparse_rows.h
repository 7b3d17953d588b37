// Sparse weights for the SpMM kernels. Rows are reordered by non-zero count and processed in
// groups of kSparseGroup: within a K-block, a group's entries are interleaved step by step (one
// entry per row per step), shorter rows padded with zero-weight entries, so one loop with a
// predictable trip count feeds kSparseGroup independent accumulator sets. Each entry is an
// (input offset, value) pair: the kernel reads X[offset .. offset + tile) with no index
// arithmetic. K-blocks keep one block's slice of the input in L1 while every group consumes it.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace lacuna::kernels {

constexpr int kSparseGroup = 4;

struct SparseEntry {
  int32_t offset;
  float value;
};

class SparseRows {
 public:
  SparseRows() = default;
  // `w` is rows x k row-major. offset_of(k) is the input offset of column k; block_of(k) its
  // K-block (non-decreasing in k), in [0, blocks).
  SparseRows(const float* w, int64_t rows, int64_t k, const std::function<int64_t(int64_t)>& offset_of,
             const std::function<int64_t(int64_t)>& block_of, int64_t blocks);

  int64_t rows() const { return rows_; }
  int64_t groups() const { return (rows_ + kSparseGroup - 1) / kSparseGroup; }
  int64_t blocks() const { return blocks_; }
  int64_t nnz() const { return nnz_; }
  // Steps of (block b, group g): [steps(b)[g], steps(b)[g + 1]), in units of kSparseGroup entries.
  const int32_t* block_steps(int64_t b) const { return steps_.data() + b * (groups() + 1); }
  const SparseEntry* entries() const { return entries_.data(); }
  // The original row computed in position i (groups are consecutive positions).
  int64_t row_at(int64_t i) const { return order_[static_cast<size_t>(i)]; }
  int64_t row_nnz(int64_t r) const { return row_nnz_[static_cast<size_t>(r)]; }
  int64_t padded_entries() const { return static_cast<int64_t>(entries_.size()); }
  size_t bytes() const { return entries_.size() * sizeof(SparseEntry) + steps_.size() * sizeof(int32_t); }

 private:
  int64_t rows_ = 0, blocks_ = 0, nnz_ = 0;
  std::vector<int32_t> steps_;  // blocks x (groups + 1) step indices
  std::vector<SparseEntry> entries_;
  std::vector<int64_t> order_;  // position -> original row
  std::vector<int64_t> row_nnz_;
};

// Bounds, in groups, of `splits` ranges of about equal non-zero counts (splits + 1 values).
std::vector<int64_t> balanced_group_bounds(const SparseRows& w, int64_t splits);

// Fraction of zeros in a dense float array.
double sparsity_of(const float* w, int64_t n);

}  // namespace lacuna::kernels
