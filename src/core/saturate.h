// A double stored in an arithmetic type without undefined behaviour: integers saturate at their
// range (log(0) = -inf becomes the lowest value, +inf or 1e30 the highest) and take 0 for NaN.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

namespace lacuna {

template <class T>
T saturate_cast(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return T(0);
    // T's limits as doubles may round up past the range (int64 max becomes 2^63): compare with >=.
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    return static_cast<T>(v);
  }
}

}  // namespace lacuna
