// Reference tensor contraction (the engine of Einsum): a sum of products over a space of
// labels, where every operand and the output address their elements by per-label strides.
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

struct ContractionParams {
  std::vector<int64_t> sizes;  // extent of each label
  // Labels [0, num_out_labels) index the output; the rest are summed over.
  int num_out_labels = 0;
  std::vector<std::vector<int64_t>> operand_strides;  // [operand][label]; 0 if absent
  std::vector<int64_t> out_strides;                    // [label < num_out_labels]
};

// y[out] = sum over the summed labels of the product of every operand's element.
template <class T>
void contract(const ContractionParams& p, const std::vector<const T*>& operands, T* y);

// Determinants of `count` row-major n x n matrices (LU with partial pivoting, in double).
template <class T>
void determinant(const T* x, int64_t count, int64_t n, T* y);

}  // namespace lacuna::kernels::ref
