// A double stored in any element type without undefined behaviour: integers saturate at their
// range (log(0) = -inf becomes the lowest value, +inf or 1e30 the highest) and take 0 for NaN;
// floats, half types and bool convert as from_double does (bool: v != 0).
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/dispatch.h"

namespace lacuna {

template <class T>
T saturate_cast(double v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (std::isnan(v)) return T(0);
    // T's limits as doubles may round up past the range (int64 max becomes 2^63): compare with >=.
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    return static_cast<T>(v);
  } else {
    return from_double<T>(v);
  }
}

}  // namespace lacuna
