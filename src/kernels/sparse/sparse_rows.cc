// SparseRows construction: sort rows by non-zero count, group them, interleave and pad.
#include "kernels/sparse/sparse_rows.h"

#include <algorithm>
#include <numeric>

namespace lacuna::kernels {

SparseRows::SparseRows(const float* w, int64_t rows, int64_t k, const std::function<int64_t(int64_t)>& offset_of,
                       const std::function<int64_t(int64_t)>& block_of, int64_t blocks)
    : rows_(rows), blocks_(blocks) {
  std::vector<int64_t> kblock(static_cast<size_t>(k));
  std::vector<int32_t> koff(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    kblock[static_cast<size_t>(c)] = block_of(c);
    koff[static_cast<size_t>(c)] = static_cast<int32_t>(offset_of(c));
  }
  row_nnz_.assign(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < k; ++c) row_nnz_[static_cast<size_t>(r)] += w[r * k + c] != 0.f;
    nnz_ += row_nnz_[static_cast<size_t>(r)];
  }
  // Rows with similar counts share a group, which keeps the padding small.
  order_.resize(static_cast<size_t>(rows));
  std::iota(order_.begin(), order_.end(), 0);
  std::stable_sort(order_.begin(), order_.end(),
                   [&](int64_t a, int64_t b) { return row_nnz_[static_cast<size_t>(a)] > row_nnz_[static_cast<size_t>(b)]; });
  const int64_t ngroups = groups();
  steps_.assign(static_cast<size_t>(blocks * (ngroups + 1)), 0);
  std::vector<std::vector<SparseEntry>> lane(kSparseGroup);
  for (int64_t b = 0; b < blocks; ++b) {
    int32_t* steps = steps_.data() + b * (ngroups + 1);
    for (int64_t g = 0; g < ngroups; ++g) {
      steps[g] = static_cast<int32_t>(entries_.size() / kSparseGroup);
      size_t len = 0;
      for (int j = 0; j < kSparseGroup; ++j) {
        lane[static_cast<size_t>(j)].clear();
        const int64_t pos = g * kSparseGroup + j;
        if (pos >= rows) continue;
        const float* row = w + order_[static_cast<size_t>(pos)] * k;
        for (int64_t c = 0; c < k; ++c) {
          if (kblock[static_cast<size_t>(c)] == b && row[c] != 0.f) lane[static_cast<size_t>(j)].push_back({koff[static_cast<size_t>(c)], row[c]});
        }
        len = std::max(len, lane[static_cast<size_t>(j)].size());
      }
      // Pad with zero weights that read a valid input row (offset 0).
      for (size_t s = 0; s < len; ++s) {
        for (int j = 0; j < kSparseGroup; ++j) {
          const auto& l = lane[static_cast<size_t>(j)];
          entries_.push_back(s < l.size() ? l[s] : SparseEntry{0, 0.f});
        }
      }
    }
    steps[ngroups] = static_cast<int32_t>(entries_.size() / kSparseGroup);
  }
}

std::vector<int64_t> balanced_group_bounds(const SparseRows& w, int64_t splits) {
  std::vector<int64_t> bounds = {0};
  const int64_t groups = w.groups();
  int64_t acc = 0;
  for (int64_t g = 0; g < groups && static_cast<int64_t>(bounds.size()) < splits; ++g) {
    for (int j = 0; j < kSparseGroup; ++j) {
      const int64_t pos = g * kSparseGroup + j;
      if (pos < w.rows()) acc += w.row_nnz(w.row_at(pos));
    }
    if (acc * splits >= w.nnz() * static_cast<int64_t>(bounds.size())) bounds.push_back(g + 1);
  }
  while (static_cast<int64_t>(bounds.size()) < splits) bounds.push_back(groups);
  bounds.push_back(groups);
  return bounds;
}

double sparsity_of(const float* w, int64_t n) {
  int64_t z = 0;
  for (int64_t i = 0; i < n; ++i) z += w[i] == 0.f;
  return n ? static_cast<double>(z) / static_cast<double>(n) : 0.0;
}

}  // namespace lacuna::kernels
