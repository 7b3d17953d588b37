// Reading one-element tensors (sizes, counts, thresholds passed as inputs) and writing results
// computed in double into an output of any numeric dtype.
#pragma once

#include <string>

#include "core/dispatch.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"

namespace lacuna::ops {

// The value of a one-element integer tensor (rank 0 or [1]).
inline Expected<int64_t> scalar_int(const Tensor& t, const std::string& what) {
  if (t.dtype() != DType::kInt32 && t.dtype() != DType::kInt64) {
    return invalid_argument(what + " must be int32 or int64, not " + std::string(dtype_name(t.dtype())));
  }
  if (t.numel() != 1) return invalid_argument(what + " must hold exactly one value");
  return t.to_int64_vector()[0];
}

// The value of a one-element numeric tensor, as double.
inline Expected<double> scalar_double(const Tensor& t, const std::string& what) {
  if (t.numel() != 1 || t.dtype() == DType::kString || t.dtype() == DType::kUndefined) {
    return invalid_argument(what + " must be a single number");
  }
  return t.to_double_vector()[0];
}

// Converts values[0..numel) into y, whatever y's numeric dtype (including 16-bit floats).
inline bool store_doubles(const double* values, Tensor& y) {
  return visit_numeric(y.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = y.data<T>();
    for (int64_t i = 0; i < y.numel(); ++i) d[i] = from_double<T>(values[i]);
  });
}

}  // namespace lacuna::ops
