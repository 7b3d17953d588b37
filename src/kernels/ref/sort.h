// Ordering kernels: TopK and Unique. Both order values with value_less, a total order in which
// NaN sorts after every number and equals other NaNs, and break ties by position.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "core/dispatch.h"

namespace lacuna::kernels::ref {

template <class T>
bool value_less(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16> ||
                std::is_floating_point_v<T>) {
    const double x = to_double(a), y = to_double(b);
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
    return x < y;
  } else {
    return a < b;
  }
}

// x viewed as [outer, n, inner]; values and indices as [outer, k, inner]. Each lane gets its k
// largest (or smallest) elements in order, equal values by increasing index.
template <class T>
void top_k(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest, T* values,
           int64_t* indices) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* lane = x + o * n * inner + i;
      std::iota(order.begin(), order.end(), int64_t{0});
      auto before = [&](int64_t a, int64_t b) {
        const T& va = lane[a * inner];
        const T& vb = lane[b * inner];
        if (largest ? value_less(vb, va) : value_less(va, vb)) return true;
        if (largest ? value_less(va, vb) : value_less(vb, va)) return false;
        return a < b;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t dst = (o * k + j) * inner + i;
        values[dst] = lane[order[static_cast<size_t>(j)] * inner];
        indices[dst] = order[static_cast<size_t>(j)];
      }
    }
  }
}

struct UniqueResult {
  std::vector<int64_t> first;    // per unique slice: the index of its first occurrence
  std::vector<int64_t> inverse;  // per input slice: the index of its unique slice
  std::vector<int64_t> counts;   // per unique slice: how often it occurs
};

// x viewed as [outer, n, inner]; slice i is x[:, i, :], compared lexicographically. Unique slices
// come in ascending order when `sorted`, else in order of first occurrence.
template <class T>
UniqueResult unique(const T* x, int64_t outer, int64_t n, int64_t inner, bool sorted) {
  auto compare = [&](int64_t a, int64_t b) {  // <0, 0, >0 like strcmp
    for (int64_t o = 0; o < outer; ++o) {
      const T* pa = x + (o * n + a) * inner;
      const T* pb = x + (o * n + b) * inner;
      for (int64_t j = 0; j < inner; ++j) {
        if (value_less(pa[j], pb[j])) return -1;
        if (value_less(pb[j], pa[j])) return 1;
      }
    }
    return 0;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  // Stable, so the first slice of each run of equal slices is its first occurrence.
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
  UniqueResult r;
  std::vector<int64_t> group(static_cast<size_t>(n));
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || compare(order[i - 1], order[i]) != 0) {
      r.first.push_back(order[i]);
      r.counts.push_back(0);
    }
    group[static_cast<size_t>(order[i])] = static_cast<int64_t>(r.first.size()) - 1;
    ++r.counts.back();
  }
  // rank[g]: the position of group g in the output order.
  std::vector<int64_t> rank(r.first.size());
  std::iota(rank.begin(), rank.end(), int64_t{0});
  if (!sorted) {
    std::vector<int64_t> by_first(r.first.size());
    std::iota(by_first.begin(), by_first.end(), int64_t{0});
    std::sort(by_first.begin(), by_first.end(),
              [&](int64_t a, int64_t b) { return r.first[static_cast<size_t>(a)] < r.first[static_cast<size_t>(b)]; });
    std::vector<int64_t> first(r.first.size()), counts(r.first.size());
    for (size_t p = 0; p < by_first.size(); ++p) {
      const auto g = static_cast<size_t>(by_first[p]);
      rank[g] = static_cast<int64_t>(p);
      first[p] = r.first[g];
      counts[p] = r.counts[g];
    }
    r.first = std::move(first);
    r.counts = std::move(counts);
  }
  r.inverse.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    r.inverse[static_cast<size_t>(i)] = rank[static_cast<size_t>(group[static_cast<size_t>(i)])];
  }
  return r;
}

}  // namespace lacuna::kernels::ref
