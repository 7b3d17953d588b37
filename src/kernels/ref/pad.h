// Padding: y dim d = x dim d + begin[d] + end[d] (negative pads crop). Outside x, constant mode
// writes a value, edge repeats the border, reflect mirrors without repeating it, wrap cycles.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/ref/strided.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Maps coordinate i (possibly outside [0, n)) to a source coordinate, or -1 for "use the value".
// n > 0 whenever i can fall outside (the caller rejects padding an empty dim otherwise).
inline int64_t pad_source(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return i < 0 ? 0 : n - 1;
    case PadMode::kWrap: return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t k = ((i % period) + period) % period;
      return k < n ? k : period - k;
    }
  }
  return -1;
}

template <class T>
void pad(const T* x, const Shape& xs, const std::vector<int64_t>& begin, PadMode mode,
         const T& value, T* y, const Shape& ys) {
  const int64_t total = numel(ys);
  if (total == 0) return;
  const size_t r = ys.size();
  if (r == 0) {
    y[0] = x[0];
    return;
  }
  const DimVector xst = dense_strides(xs);
  const int64_t inner = ys[r - 1];
  DimVector pos(r, 0);
  for (int64_t o = 0; o < total; o += inner) {
    // The source row for the outer coordinates, or none when any of them is in constant padding.
    int64_t row = 0;
    bool inside = true;
    for (size_t d = 0; d + 1 < r && inside; ++d) {
      const int64_t s = pad_source(pos[d] - begin[d], xs[d], mode);
      if (s < 0) inside = false;
      else row += s * xst[d];
    }
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t s = inside ? pad_source(j - begin[r - 1], xs[r - 1], mode) : -1;
      y[o + j] = s < 0 ? value : x[row + s];
    }
    for (size_t d = r - 1; d-- > 0;) {
      if (++pos[d] < ys[d]) break;
      pos[d] = 0;
    }
  }
}

}  // namespace lacuna::kernels::ref
