// SparseRows construction.
#include "kernels/sparse/sparse_rows.h"

namespace lacuna::kernels {

SparseRows::SparseRows(const float* w, int64_t rows, int64_t k, const std::function<int64_t(int64_t)>& offset_of,
                       const std::function<int64_t(int64_t)>& block_of, int64_t blocks)
    : rows_(rows), blocks_(blocks) {
  begin_.assign(static_cast<size_t>(blocks * (rows + 1)), 0);
  row_nnz_.assign(static_cast<size_t>(rows), 0);
  std::vector<int64_t> kblock(static_cast<size_t>(k));
  std::vector<int32_t> koff(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    kblock[static_cast<size_t>(c)] = block_of(c);
    koff[static_cast<size_t>(c)] = static_cast<int32_t>(offset_of(c));
  }
  for (int64_t b = 0; b < blocks; ++b) {
    int32_t* begins = begin_.data() + b * (rows + 1);
    for (int64_t r = 0; r < rows; ++r) {
      begins[r] = static_cast<int32_t>(entries_.size());
      const float* row = w + r * k;
      for (int64_t c = 0; c < k; ++c) {
        if (kblock[static_cast<size_t>(c)] != b || row[c] == 0.f) continue;
        entries_.push_back({koff[static_cast<size_t>(c)], row[c]});
        ++row_nnz_[static_cast<size_t>(r)];
      }
    }
    begins[rows] = static_cast<int32_t>(entries_.size());
  }
}

std::vector<int64_t> balanced_row_bounds(const SparseRows& w, int64_t splits) {
  std::vector<int64_t> bounds = {0};
  int64_t acc = 0;
  for (int64_t r = 0; r < w.rows() && static_cast<int64_t>(bounds.size()) < splits; ++r) {
    acc += w.row_nnz(r);
    if (acc * splits >= w.nnz() * static_cast<int64_t>(bounds.size())) bounds.push_back(r + 1);
  }
  while (static_cast<int64_t>(bounds.size()) < splits) bounds.push_back(w.rows());
  bounds.push_back(w.rows());
  return bounds;
}

double sparsity_of(const float* w, int64_t n) {
  int64_t z = 0;
  for (int64_t i = 0; i < n; ++i) z += w[i] == 0.f;
  return n ? static_cast<double>(z) / static_cast<double>(n) : 0.0;
}

}  // namespace lacuna::kernels
