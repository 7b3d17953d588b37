// Broadcast iteration for the reference kernels: walks an output shape and the matching element
// offsets of each input (stride 0 along broadcast dimensions).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "kernels/ref/dim_vector.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

// Element strides of `in` when broadcast to `out` (right-aligned; 0 where in has size 1).
inline DimVector broadcast_strides(std::span<const int64_t> in, std::span<const int64_t> out) {
  const size_t r = out.size();
  DimVector s(r, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t i = in.size() - 1 - k;
    const size_t o = r - 1 - k;
    s[o] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return s;
}

// Calls f(out_index, offsets) for every output element; offsets[k] is the element offset into
// input k. N inputs.
template <size_t N, class F>
void for_each_broadcast(std::span<const int64_t> out, const std::array<DimVector, N>& strides, F&& f) {
  int64_t total = 1;
  for (int64_t d : out) total *= d;
  if (total == 0) return;
  const size_t r = out.size();
  DimVector idx(r, 0);
  std::array<int64_t, N> off{};
  // The innermost dimension runs as a tight loop.
  const int64_t inner = r ? out[r - 1] : 1;
  std::array<int64_t, N> inner_stride{};
  for (size_t k = 0; k < N; ++k) inner_stride[k] = r ? strides[k][r - 1] : 0;
  for (int64_t o = 0; o < total; o += inner) {
    std::array<int64_t, N> p = off;
    for (int64_t j = 0; j < inner; ++j) {
      f(o + j, p);
      for (size_t k = 0; k < N; ++k) p[k] += inner_stride[k];
    }
    // Advance the outer multi-index (dims r-2 .. 0).
    for (int d = static_cast<int>(r) - 2; d >= 0; --d) {
      ++idx[static_cast<size_t>(d)];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][static_cast<size_t>(d)];
      if (idx[static_cast<size_t>(d)] < out[static_cast<size_t>(d)]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][static_cast<size_t>(d)] * out[static_cast<size_t>(d)];
      idx[static_cast<size_t>(d)] = 0;
    }
  }
}

}  // namespace lacuna::kernels::ref
