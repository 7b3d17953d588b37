// Cumulative sum along one axis, optionally exclusive (each element excludes itself) and/or
// reversed (sums run from the end).
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

// x and y viewed as [outer, n, inner].
template <class T>
void cumsum(const T* x, int64_t outer, int64_t n, int64_t inner, bool exclusive, bool reverse, T* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      T acc = T(0);
      for (int64_t s = 0; s < n; ++s) {
        const int64_t k = reverse ? n - 1 - s : s;
        const int64_t at = (o * n + k) * inner + i;
        if (exclusive) {
          y[at] = acc;
          acc = static_cast<T>(acc + x[at]);
        } else {
          acc = static_cast<T>(acc + x[at]);
          y[at] = acc;
        }
      }
    }
  }
}

}  // namespace lacuna::kernels::ref
