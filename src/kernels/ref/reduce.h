// Reference reductions (ReduceSum/Mean/Max/... and ArgMax/ArgMin) over raw buffers. The reduced
// axes may be any subset; an empty reduced set yields each op's identity (0, 1, -inf, ...).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/saturate.h"
#include "lacuna/tensor.h"

namespace lacuna::kernels::ref {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Element offsets that split a tensor into kept and reduced index sets: the element at
// kept[o] + reduced[r] is the r-th contribution to output element o (row-major in both).
struct ReducePlan {
  std::vector<int64_t> kept;
  std::vector<int64_t> reduced;
};

ReducePlan make_reduce_plan(const Shape& shape, const std::vector<bool>& reduce_axis);

namespace detail {

// Integers accumulate exactly in 64 bits (wrapping like the input type would); floats in double.
template <class T>
using ReduceAcc = std::conditional_t<std::is_floating_point_v<T>, double,
                                     std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <class T>
double lowest() {
  return std::is_floating_point_v<T> ? -std::numeric_limits<double>::infinity()
                                     : static_cast<double>(std::numeric_limits<T>::lowest());
}
template <class T>
double highest() {
  return std::is_floating_point_v<T> ? std::numeric_limits<double>::infinity()
                                     : static_cast<double>(std::numeric_limits<T>::max());
}

}  // namespace detail

template <class T>
void reduce(const T* x, const ReducePlan& plan, ReduceKind kind, T* y) {
  using Acc = detail::ReduceAcc<T>;
  const auto count = static_cast<int64_t>(plan.reduced.size());
  for (size_t o = 0; o < plan.kept.size(); ++o) {
    const T* base = x + plan.kept[o];
    auto at = [&](int64_t r) { return base[plan.reduced[static_cast<size_t>(r)]]; };
    switch (kind) {
      case ReduceKind::kMax:
      case ReduceKind::kMin: {
        const bool is_max = kind == ReduceKind::kMax;
        if (count == 0) {
          // No element: the identity of max/min (the most extreme value of the type).
          y[o] = static_cast<T>(is_max ? detail::lowest<T>() : detail::highest<T>());
          break;
        }
        T best = at(0);
        for (int64_t r = 1; r < count; ++r) {
          const T v = at(r);
          if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(best)) break;  // NaN wins, as in numpy
            if (std::isnan(v)) {
              best = v;
              break;
            }
          }
          if (is_max ? v > best : v < best) best = v;
        }
        y[o] = best;
        break;
      }
      case ReduceKind::kLogSumExp: {
        // Shift by the maximum so exp never overflows.
        double m = -std::numeric_limits<double>::infinity();
        bool nan = false;
        for (int64_t r = 0; r < count; ++r) {
          const auto v = static_cast<double>(at(r));
          nan = nan || std::isnan(v);
          m = std::max(m, v);
        }
        if (nan || std::isinf(m)) {  // NaN input; empty or all -inf; or a +inf term
          y[o] = static_cast<T>(nan ? std::numeric_limits<double>::quiet_NaN() : m);
          break;
        }
        double s = 0;
        for (int64_t r = 0; r < count; ++r) s += std::exp(static_cast<double>(at(r)) - m);
        y[o] = saturate_cast<T>(m + std::log(s));
        break;
      }
      case ReduceKind::kProd: {
        Acc p = 1;
        for (int64_t r = 0; r < count; ++r) p = static_cast<Acc>(p * static_cast<Acc>(at(r)));
        y[o] = static_cast<T>(p);
        break;
      }
      default: {
        Acc s = 0;
        for (int64_t r = 0; r < count; ++r) {
          const Acc v = static_cast<Acc>(at(r));
          if (kind == ReduceKind::kL1) {
            if constexpr (std::is_signed_v<Acc>) {
              s += v < 0 ? -v : v;
            } else {
              s += v;
            }
          } else if (kind == ReduceKind::kL2 || kind == ReduceKind::kSumSquare) {
            s += v * v;
          } else {
            s += v;
          }
        }
        if (kind == ReduceKind::kL2) {
          y[o] = saturate_cast<T>(std::sqrt(static_cast<double>(s)));
        } else if (kind == ReduceKind::kLogSum) {
          y[o] = saturate_cast<T>(std::log(static_cast<double>(s)));
        } else if (kind == ReduceKind::kMean) {
          if constexpr (std::is_floating_point_v<T>) {
            y[o] = static_cast<T>(s / static_cast<double>(count));  // 0/0 = NaN for empty sets
          } else {
            y[o] = count == 0 ? T(0) : static_cast<T>(s / static_cast<Acc>(count));
          }
        } else {
          y[o] = static_cast<T>(s);
        }
        break;
      }
    }
  }
}

// ArgMax / ArgMin along the middle dimension of [outer, axis_len, inner]. Ties go to the first
// index, or the last when select_last. y has outer * inner elements. axis_len must be > 0.
template <class T>
void arg_reduce(const T* x, int64_t outer, int64_t axis_len, int64_t inner, bool is_max, bool select_last,
                int64_t* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = x + o * axis_len * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < axis_len; ++k) {
        const T v = p[k * inner];
        const T b = p[best * inner];
        const bool better = is_max ? v > b : v < b;
        if (better || (select_last && v == b)) best = k;
      }
      y[o * inner + i] = best;
    }
  }
}

}  // namespace lacuna::kernels::ref
