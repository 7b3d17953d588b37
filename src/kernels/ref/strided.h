// Strided copies: y (dense, row-major `shape`) takes x[base + sum(index[d] * strides[d])]. One
// loop serves Transpose, Slice (negative steps too), Expand (zero strides) and Tile.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/ref/dim_vector.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

// Dense row-major strides of `shape`, in elements.
inline DimVector dense_strides(std::span<const int64_t> shape) {
  DimVector s(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) s[k - 1] = s[k] * shape[k];
  return s;
}

// A shape viewed as [outer, n, inner] around one axis.
struct AxisSplit {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};
inline AxisSplit split_at_axis(const Shape& s, int axis) {
  AxisSplit a;
  for (int d = 0; d < static_cast<int>(s.size()); ++d) {
    const int64_t v = s[static_cast<size_t>(d)];
    if (d < axis) a.outer *= v;
    else if (d == axis) a.n = v;
    else a.inner *= v;
  }
  return a;
}

template <class T>
void strided_copy(const T* x, int64_t base, std::span<const int64_t> shape, std::span<const int64_t> strides,
                  T* y) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total == 0) return;
  const size_t r = shape.size();
  if (r == 0) {
    y[0] = x[base];
    return;
  }
  const int64_t inner = shape[r - 1];
  const int64_t inner_stride = strides[r - 1];
  DimVector idx(r, 0);
  int64_t off = base;
  for (int64_t o = 0; o < total; o += inner) {
    const T* src = x + off;
    T* dst = y + o;
    for (int64_t j = 0; j < inner; ++j) dst[j] = src[j * inner_stride];
    // Advance the multi-index over dims r-2 .. 0, like an odometer.
    for (size_t d = r - 1; d-- > 0;) {
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// Transposes x (shape `in`) into y: y's dim i is x's dim perm[i].
template <class T>
void transpose(const T* x, const Shape& in, const std::vector<int>& perm, T* y) {
  const DimVector xs = dense_strides(in);
  DimVector out(perm.size()), st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    out[i] = in[static_cast<size_t>(perm[i])];
    st[i] = xs[static_cast<size_t>(perm[i])];
  }
  strided_copy(x, 0, out, st, y);
}

// Tiles x (shape `in`) repeats[d] times along each dim d: y is viewed as [r0, in0, r1, in1, ...]
// and reads x with stride 0 along the repeat dims.
template <class T>
void tile(const T* x, const Shape& in, const std::vector<int64_t>& repeats, T* y) {
  const DimVector xs = dense_strides(in);
  DimVector shape, st;
  for (size_t d = 0; d < in.size(); ++d) {
    shape.push_back(repeats[d]);
    st.push_back(0);
    shape.push_back(in[d]);
    st.push_back(xs[d]);
  }
  strided_copy(x, 0, shape, st, y);
}

}  // namespace lacuna::kernels::ref
