// Kernels that build tensors from a pattern: EyeLike, Trilu, OneHot and Range.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace lacuna::kernels::ref {

// rows x cols with `one` on diagonal k (column = row + k) and `zero` elsewhere.
template <class T>
void eye(int64_t rows, int64_t cols, int64_t k, const T& zero, const T& one, T* y) {
  std::fill(y, y + rows * cols, zero);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t j = i + k;
    if (j >= 0 && j < cols) y[i * cols + j] = one;
  }
}

// x viewed as [batch, rows, cols]. Upper keeps elements with col - row >= k, lower those with
// col - row <= k; the others become T{} (zero, or the empty string).
template <class T>
void trilu(const T* x, int64_t batch, int64_t rows, int64_t cols, int64_t k, bool upper, T* y) {
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t base = (b * rows + i) * cols;
      for (int64_t j = 0; j < cols; ++j) {
        const bool keep = upper ? j - i >= k : j - i <= k;
        y[base + j] = keep ? x[base + j] : T{};
      }
    }
  }
}

// idx viewed as [outer, inner] (already wrapped: anything outside [0, depth) matches nothing);
// y as [outer, depth, inner] with y[o, d, i] = idx[o, i] == d ? on : off.
template <class T>
void one_hot(const int64_t* idx, int64_t outer, int64_t inner, int64_t depth, const T& off,
             const T& on, T* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t d = 0; d < depth; ++d) {
      T* row = y + (o * depth + d) * inner;
      const int64_t* ir = idx + o * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] = ir[i] == d ? on : off;
    }
  }
}

// y[i] = start + i * delta. Integers wrap (in unsigned arithmetic) rather than overflow, which
// only the last element of a range reaching the type's limits can do.
template <class T>
void range(T start, T delta, int64_t n, T* y) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_integral_v<T>) {
      y[i] = static_cast<T>(static_cast<uint64_t>(start) + static_cast<uint64_t>(i) * static_cast<uint64_t>(delta));
    } else {
      y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
    }
  }
}

}  // namespace lacuna::kernels::ref
