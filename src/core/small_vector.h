// A vector of trivially copyable values kept inline up to N elements, for the per-dimension and
// per-input temporaries that kernels build in run(): inference must not allocate, and only
// unusually large ranks or input counts spill to the heap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

namespace lacuna {

template <class T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVector() = default;
  explicit SmallVector(size_t n, T value = T()) { assign(n, value); }

  void assign(size_t n, T value) {
    size_ = n;
    if (n > N) {
      heap_.assign(n, value);
    } else {
      heap_.clear();
      std::fill_n(inline_.begin(), n, value);
    }
  }
  void push_back(T v) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = v;
      return;
    }
    if (heap_.empty()) heap_.assign(inline_.begin(), inline_.begin() + static_cast<std::ptrdiff_t>(size_));
    heap_.push_back(v);
    ++size_;
  }
  void clear() {
    heap_.clear();
    size_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return heap_.empty() ? inline_.data() : heap_.data(); }
  const T* data() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  operator std::span<const T>() const { return {data(), size_}; }  // NOLINT: implicit by design
  operator std::span<T>() { return {data(), size_}; }              // NOLINT: implicit by design

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // used only beyond N elements
  size_t size_ = 0;
};

}  // namespace lacuna
