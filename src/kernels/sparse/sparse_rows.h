// Sparse weights for the SpMM kernels: each row's non-zeros as (input offset, value) pairs,
// grouped by K-block so that one block's slice of the input stays in L1 while every row
// consumes it. The offset is where the input row for that k starts (in floats), so the kernel
// reads X[offset .. offset + tile) with no index arithmetic.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace lacuna::kernels {

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
  int64_t blocks() const { return blocks_; }
  int64_t nnz() const { return static_cast<int64_t>(entries_.size()); }
  // Segment (block b, row r) is entries [begin(b, r), begin(b, r + 1)); segments of one block
  // are contiguous, rows in order.
  const int32_t* block_begins(int64_t b) const { return begin_.data() + b * (rows_ + 1); }
  const SparseEntry* entries() const { return entries_.data(); }
  // Non-zeros of row r (all blocks).
  int64_t row_nnz(int64_t r) const { return row_nnz_[static_cast<size_t>(r)]; }
  size_t bytes() const { return entries_.size() * sizeof(SparseEntry) + begin_.size() * sizeof(int32_t); }

 private:
  int64_t rows_ = 0, blocks_ = 0;
  std::vector<int32_t> begin_;  // blocks x (rows + 1) absolute entry indices
  std::vector<SparseEntry> entries_;
  std::vector<int64_t> row_nnz_;
};

// Bounds of `splits` row ranges of about equal non-zero counts (splits + 1 values).
std::vector<int64_t> balanced_row_bounds(const SparseRows& w, int64_t splits);

// Fraction of zeros in a dense float array.
double sparsity_of(const float* w, int64_t n);

}  // namespace lacuna::kernels
