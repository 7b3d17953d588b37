// Reference elementwise kernels: a unary map and a broadcasting binary map over any element type.
#pragma once

#include <cstdint>

#include "kernels/ref/broadcast.h"

namespace lacuna::kernels::ref {

template <class In, class Out, class F>
void unary_map(const In* x, Out* y, int64_t n, F&& f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class A, class B, class Out, class F>
void binary_broadcast(const A* a, const Shape& as, const B* b, const Shape& bs, Out* y,
                      const Shape& ys, F&& f) {
  if (as == ys && bs == ys) {  // same shapes: a flat loop
    const int64_t n = numel(ys);
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
    return;
  }
  const std::array<DimVector, 2> st = {broadcast_strides(as, ys), broadcast_strides(bs, ys)};
  for_each_broadcast<2>(ys, st, [&](int64_t o, const std::array<int64_t, 2>& p) { y[o] = f(a[p[0]], b[p[1]]); });
}

}  // namespace lacuna::kernels::ref
