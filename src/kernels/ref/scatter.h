// Index-driven writes: ScatterElements and ScatterND, with an optional reduction that combines
// each update with the value already in place. The output starts as a copy of the data.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/gather.h"

namespace lacuna::kernels::ref {

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

// Combines the value in place with an update. 16-bit floats and bool go through double.
template <class T>
T combine(const T& cur, const T& upd, Reduction r) {
  if constexpr (std::is_same_v<T, std::string>) {
    return upd;  // strings only take reduction none (the caller checks)
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16> ||
                       std::is_same_v<T, bool>) {
    const double a = to_double(cur), b = to_double(upd);
    switch (r) {
      case Reduction::kNone: return upd;
      case Reduction::kAdd: return from_double<T>(a + b);
      case Reduction::kMul: return from_double<T>(a * b);
      case Reduction::kMax: return from_double<T>(a < b ? b : a);
      case Reduction::kMin: return from_double<T>(b < a ? b : a);
    }
    return upd;
  } else {
    switch (r) {
      case Reduction::kNone: return upd;
      case Reduction::kAdd: return static_cast<T>(cur + upd);
      case Reduction::kMul: return static_cast<T>(cur * upd);
      case Reduction::kMax: return cur < upd ? upd : cur;
      case Reduction::kMin: return upd < cur ? upd : cur;
    }
    return upd;
  }
}

// y (shape ys, already holding the data) takes upd[i] at i's position with its `axis`
// coordinate replaced by idx[i]; idx and upd share shape `is`.
template <class T, class I>
Status scatter_elements(T* y, const Shape& ys, const I* idx, const T* upd, const Shape& is, int axis,
                        Reduction red) {
  const int64_t total = numel(is);
  if (total == 0) return Status::ok();
  const DimVector yst = dense_strides(ys);
  const size_t r = is.size();
  DimVector pos(r, 0);
  const int64_t n = ys[static_cast<size_t>(axis)];
  for (int64_t e = 0; e < total; ++e) {
    int64_t k = idx[e];
    if (!wrap_index(k, n)) return index_out_of_range(idx[e], n);
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += (static_cast<int>(d) == axis ? k : pos[d]) * yst[d];
    y[off] = combine(y[off], upd[e], red);
    for (size_t d = r; d-- > 0;) {
      if (++pos[d] < is[d]) break;
      pos[d] = 0;
    }
  }
  return Status::ok();
}

// ScatterND: y (holding the data) takes each update slice at the offset its index tuple names.
// The layout has no batch dims (l.batch == 1).
template <class T, class I>
Status scatter_nd(T* y, const I* idx, const T* upd, const NdLayout& l, Reduction red) {
  for (int64_t t = 0; t < l.tuples; ++t) {
    int64_t off = 0;
    LACUNA_RETURN_IF_ERROR(nd_offset(idx + t * l.depth, l, &off));
    const T* src = upd + t * l.slice;
    for (int64_t j = 0; j < l.slice; ++j) y[off + j] = combine(y[off + j], src[j], red);
  }
  return Status::ok();
}

}  // namespace lacuna::kernels::ref
