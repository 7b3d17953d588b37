// Concatenation and splitting along one axis. A tensor is viewed as [outer, chunk] where chunk
// is (its size along the axis) * (the product of the dims after the axis).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

namespace lacuna::kernels::ref {

// y[o] = concat over inputs i of xs[i][o] (chunks[i] elements each).
template <class T>
void concat(std::span<const T* const> xs, std::span<const int64_t> chunks, int64_t outer, T* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < xs.size(); ++i) {
      const T* src = xs[i] + o * chunks[i];
      y = std::copy(src, src + chunks[i], y);
    }
  }
}

// The inverse of concat: ys[i][o] = the i-th chunk of x[o].
template <class T>
void split(const T* x, int64_t outer, std::span<const int64_t> chunks, std::span<T* const> ys) {
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < ys.size(); ++i) {
      if (ys[i]) std::copy(x, x + chunks[i], ys[i] + o * chunks[i]);
      x += chunks[i];
    }
  }
}

}  // namespace lacuna::kernels::ref
