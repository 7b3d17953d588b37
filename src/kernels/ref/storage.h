// Element storage types for data-movement kernels: they copy elements and never compute on them,
// so one instantiation per element size (plus one for strings) serves every dtype.
#pragma once

#include <cstdint>
#include <string>

#include "core/dispatch.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

// Calls f(TypeTag<T>{}) with T an unsigned integer of the dtype's size, or std::string; returns
// false for dtypes without storage (undefined).
template <class F>
bool visit_storage(DType t, F&& f) {
  if (t == DType::kString) {
    f(TypeTag<std::string>{});
    return true;
  }
  if (t == DType::kUndefined) return false;
  switch (dtype_size(t)) {
    case 1: f(TypeTag<uint8_t>{}); return true;
    case 2: f(TypeTag<uint16_t>{}); return true;
    case 4: f(TypeTag<uint32_t>{}); return true;
    case 8: f(TypeTag<uint64_t>{}); return true;
    default: return false;
  }
}

// Calls f(TypeTag<I>{}) for an index dtype (int32 or int64); false for any other dtype.
template <class F>
bool visit_index(DType t, F&& f) {
  if (t == DType::kInt32) {
    f(TypeTag<int32_t>{});
    return true;
  }
  if (t == DType::kInt64) {
    f(TypeTag<int64_t>{});
    return true;
  }
  return false;
}

// Maps a possibly negative index into [0, n); false when it is outside [-n, n).
inline bool wrap_index(int64_t& i, int64_t n) {
  if (i < 0) i += n;
  return i >= 0 && i < n;
}

}  // namespace lacuna::kernels::ref
