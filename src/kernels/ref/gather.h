// Index-driven reads: Gather, GatherElements and GatherND. Indices may be negative (counted from
// the end); an out-of-range index is an error, reported before anything is read through it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ref/storage.h"
#include "kernels/ref/strided.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

inline Status index_out_of_range(int64_t index, int64_t n) {
  return out_of_range("index " + std::to_string(index) + " is out of range [" + std::to_string(-n) +
                      ", " + std::to_string(n) + ")");
}

// x viewed as [outer, n, inner]; y as [outer, num_idx, inner]: y[o, j, :] = x[o, idx[j], :].
template <class T, class I>
Status gather(const T* x, int64_t outer, int64_t n, int64_t inner, const I* idx, int64_t num_idx,
              T* y) {
  for (int64_t j = 0; j < num_idx; ++j) {
    int64_t k = idx[j];
    if (!wrap_index(k, n)) return index_out_of_range(idx[j], n);
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < num_idx; ++j) {
      int64_t k = idx[j];
      wrap_index(k, n);
      const T* src = x + (o * n + k) * inner;
      std::copy(src, src + inner, y + (o * num_idx + j) * inner);
    }
  }
  return Status::ok();
}

// y has idx's shape; y[i] = x[i with its `axis` coordinate replaced by idx[i]]. idx's dims must
// not exceed x's (checked by the caller).
template <class T, class I>
Status gather_elements(const T* x, const Shape& xs, const I* idx, const Shape& is, int axis, T* y) {
  const int64_t total = numel(is);
  if (total == 0) return Status::ok();
  const DimVector xst = dense_strides(xs);
  const size_t r = is.size();
  DimVector pos(r, 0);
  const int64_t n = xs[static_cast<size_t>(axis)];
  for (int64_t e = 0; e < total; ++e) {
    int64_t k = idx[e];
    if (!wrap_index(k, n)) return index_out_of_range(idx[e], n);
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += (static_cast<int>(d) == axis ? k : pos[d]) * xst[d];
    y[e] = x[off];
    for (size_t d = r; d-- > 0;) {
      if (++pos[d] < is[d]) break;
      pos[d] = 0;
    }
  }
  return Status::ok();
}

// Shapes for GatherND / ScatterND: `batch` leading dims shared by data and indices, `tuples` index
// tuples of depth `depth` per batch, each addressing a slice of `slice` elements inside a batch
// block of `block` elements whose leading dims are `dims`.
struct NdLayout {
  int64_t batch = 1;
  int64_t tuples = 1;
  int64_t depth = 0;
  int64_t slice = 1;
  int64_t block = 1;
  Shape dims;  // data dims [batch_dims, batch_dims + depth)
};

// Element offset (within its batch block) of the slice that `tuple` addresses.
template <class I>
Status nd_offset(const I* tuple, const NdLayout& l, int64_t* offset) {
  int64_t off = 0;
  int64_t stride = l.block;
  for (int64_t j = 0; j < l.depth; ++j) {
    const int64_t n = l.dims[static_cast<size_t>(j)];
    int64_t k = tuple[j];
    if (!wrap_index(k, n)) return index_out_of_range(tuple[j], n);  // also rules out n == 0
    stride /= n;
    off += k * stride;
  }
  *offset = off;
  return Status::ok();
}

template <class T, class I>
Status gather_nd(const T* x, const I* idx, const NdLayout& l, T* y) {
  for (int64_t b = 0; b < l.batch; ++b) {
    for (int64_t t = 0; t < l.tuples; ++t) {
      int64_t off = 0;
      LACUNA_RETURN_IF_ERROR(nd_offset(idx + (b * l.tuples + t) * l.depth, l, &off));
      const T* src = x + b * l.block + off;
      std::copy(src, src + l.slice, y + (b * l.tuples + t) * l.slice);
    }
  }
  return Status::ok();
}

}  // namespace lacuna::kernels::ref
