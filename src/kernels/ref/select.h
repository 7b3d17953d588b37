// Kernels that select or reorder by a mask or lengths: Compress, NonZero and ReverseSequence.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/dim_vector.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

// x viewed as [outer, n, inner]; keeps the slices i < cond_len with cond[i] set, in order.
template <class T>
void compress(const T* x, int64_t outer, int64_t n, int64_t inner, const bool* cond,
              int64_t cond_len, T* y) {
  const int64_t m = std::min(n, cond_len);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < m; ++i) {
      if (!cond[i]) continue;
      const T* src = x + (o * n + i) * inner;
      y = std::copy(src, src + inner, y);
    }
  }
}

// Row-major coordinates of the elements for which nonzero(i) holds: y is [rank, count] and
// column c holds the coordinates of the c-th such element. A scalar counts as shape [1].
template <class Pred>
void nonzero(const Shape& xs, int64_t count, Pred&& nonzero_at, int64_t* y) {
  const Shape s = xs.empty() ? Shape{1} : xs;
  const size_t r = s.size();
  const int64_t total = numel(s);
  DimVector pos(r, 0);
  int64_t c = 0;
  for (int64_t e = 0; e < total; ++e) {
    if (nonzero_at(e)) {
      for (size_t d = 0; d < r; ++d) y[static_cast<int64_t>(d) * count + c] = pos[d];
      ++c;
    }
    for (size_t d = r; d-- > 0;) {
      if (++pos[d] < s[d]) break;
      pos[d] = 0;
    }
  }
}

// Reverses the first lens[b] time steps of every batch entry b. Time and batch are the two
// leading dims (in either order), so each (time, batch) pair owns `inner` contiguous elements at
// t * time_stride + b * batch_stride.
template <class T>
void reverse_sequence(const T* x, int64_t steps, int64_t batch, int64_t time_stride,
                      int64_t batch_stride, int64_t inner, const int64_t* lens, T* y) {
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t src_t = t < lens[b] ? lens[b] - 1 - t : t;
      const T* src = x + src_t * time_stride + b * batch_stride;
      std::copy(src, src + inner, y + t * time_stride + b * batch_stride);
    }
  }
}

}  // namespace lacuna::kernels::ref
