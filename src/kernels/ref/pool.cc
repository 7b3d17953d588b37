// Reference pooling. For every output position the window's in-bounds input offsets are listed
// (the Cartesian product of each dimension's valid taps), then reduced; simple and N-D.
#include "kernels/ref/pool.h"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>

namespace lacuna::kernels::ref {

namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t r = 1;
  for (int64_t x : v) r *= x;
  return r;
}

// Per spatial dimension and output index: the first in-bounds input index under the window,
// how many in-bounds taps follow it (at the dilation), and how many taps fall inside the padded
// input (for count_include_pad). O(output) memory whatever the kernel size.
struct Taps {
  std::vector<std::vector<int64_t>> first, count, padded;  // [dim][out]
};

// Number of k in [0, kernel) with lo <= start + k * dil < hi, and the first such k.
void tap_range(int64_t start, int64_t kernel, int64_t dil, int64_t lo, int64_t hi, int64_t* k0, int64_t* n) {
  int64_t a = start >= lo ? 0 : (lo - start + dil - 1) / dil;
  int64_t b = start >= hi ? 0 : (hi - 1 - start) / dil + 1;  // one past the last valid k
  b = std::min(b, kernel);
  *k0 = a;
  *n = std::max<int64_t>(0, b - a);
}

Taps make_taps(const PoolParams& p) {
  const size_t nd = p.kernel.size();
  Taps t;
  t.first.resize(nd);
  t.count.resize(nd);
  t.padded.resize(nd);
  for (size_t d = 0; d < nd; ++d) {
    for (int64_t o = 0; o < p.out_spatial[d]; ++o) {
      const int64_t start = o * p.strides[d] - p.pads_begin[d];
      int64_t k0, n, pk0, pn;
      tap_range(start, p.kernel[d], p.dilations[d], 0, p.in_spatial[d], &k0, &n);
      tap_range(start, p.kernel[d], p.dilations[d], -p.pads_begin[d], p.in_spatial[d] + p.pads_end[d], &pk0, &pn);
      t.first[d].push_back(start + k0 * p.dilations[d]);
      t.count[d].push_back(n);
      t.padded[d].push_back(pn);
    }
  }
  return t;
}

// Walks every output position of one plane; for each calls
// f(out_offset, visit, padded_count) where visit(g) calls g(offset, col_major_offset) for
// every in-bounds input element under the window, in row-major window order.
template <class F>
void for_each_window(const PoolParams& p, const Taps& t, F&& f) {
  const size_t nd = p.kernel.size();
  const int64_t out_size = product(p.out_spatial);
  std::vector<int64_t> rm(nd, 1), cm(nd, 1);  // row- and column-major element strides
  for (size_t d = nd; d-- > 1;) rm[d - 1] = rm[d] * p.in_spatial[d];
  for (size_t d = 1; d < nd; ++d) cm[d] = cm[d - 1] * p.in_spatial[d - 1];
  std::vector<int64_t> o(nd, 0), k(nd, 0), first(nd), count(nd);
  for (int64_t flat = 0; flat < out_size; ++flat) {
    int64_t padded = 1;
    bool empty = false;
    for (size_t d = 0; d < nd; ++d) {
      const auto od = static_cast<size_t>(o[d]);
      first[d] = t.first[d][od];
      count[d] = t.count[d][od];
      padded *= t.padded[d][od];
      empty = empty || count[d] == 0;
    }
    auto visit = [&](auto&& g) {
      if (empty) return;
      std::fill(k.begin(), k.end(), 0);
      while (true) {
        int64_t off = 0, coff = 0;
        for (size_t d = 0; d < nd; ++d) {
          const int64_t ip = first[d] + k[d] * p.dilations[d];
          off += ip * rm[d];
          coff += ip * cm[d];
        }
        g(off, coff);
        size_t d = nd;
        while (d-- > 0) {
          if (++k[d] < count[d]) break;
          k[d] = 0;
        }
        if (d == SIZE_MAX) return;
      }
    };
    f(flat, visit, padded);
    for (size_t d = nd; d-- > 0;) {
      if (++o[d] < p.out_spatial[d]) break;
      o[d] = 0;
    }
  }
}

// Rounds a box coordinate to an integer, clamped far outside any image (and NaN to 0) so the
// arithmetic on it cannot overflow.
int64_t to_coordinate(double v) {
  constexpr double kLimit = 1e12;
  if (!(v == v)) return 0;
  return static_cast<int64_t>(std::round(std::clamp(v, -kLimit, kLimit)));
}

}  // namespace

template <class T>
void max_pool(const PoolParams& p, const T* x, T* y, int64_t* indices, bool column_major_indices) {
  const Taps t = make_taps(p);
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const T* xp = x + plane * in_size;
    T* yp = y + plane * out_size;
    int64_t* ip = indices ? indices + plane * out_size : nullptr;
    for_each_window(p, t, [&](int64_t o, auto&& visit, int64_t) {
      T best = std::numeric_limits<T>::lowest();
      int64_t arg = 0;
      bool first = true;
      visit([&](int64_t off, int64_t coff) {
        if (first || xp[off] > best) {
          best = xp[off];
          arg = column_major_indices ? coff : off;
        }
        first = false;
      });
      yp[o] = best;
      if (ip) ip[o] = plane * in_size + arg;
    });
  }
}

template <class T>
void average_pool(const PoolParams& p, bool count_include_pad, const T* x, T* y) {
  const Taps t = make_taps(p);
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const T* xp = x + plane * in_size;
    T* yp = y + plane * out_size;
    for_each_window(p, t, [&](int64_t o, auto&& visit, int64_t padded) {
      T sum = T(0);
      int64_t count = 0;
      visit([&](int64_t off, int64_t) {
        sum += xp[off];
        ++count;
      });
      if (count_include_pad) count = padded;
      yp[o] = count > 0 ? sum / static_cast<T>(count) : T(0);
    });
  }
}

template <class T>
void lp_pool(const PoolParams& p, float power, const T* x, T* y) {
  const Taps t = make_taps(p);
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  const T pw = static_cast<T>(power);
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const T* xp = x + plane * in_size;
    T* yp = y + plane * out_size;
    for_each_window(p, t, [&](int64_t o, auto&& visit, int64_t) {
      T sum = T(0);
      visit([&](int64_t off, int64_t) { sum += std::pow(std::abs(xp[off]), pw); });
      yp[o] = std::pow(sum, T(1) / pw);
    });
  }
}

template <class T>
void global_pool(GlobalPool kind, int64_t planes, int64_t size, float power, const T* x, T* y) {
  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* xp = x + plane * size;
    T acc = kind == GlobalPool::kMax ? std::numeric_limits<T>::lowest() : T(0);
    for (int64_t i = 0; i < size; ++i) {
      switch (kind) {
        case GlobalPool::kAverage: acc += xp[i]; break;
        case GlobalPool::kMax: acc = xp[i] > acc ? xp[i] : acc; break;
        case GlobalPool::kLp: acc += std::pow(std::abs(xp[i]), static_cast<T>(power)); break;
      }
    }
    if (kind == GlobalPool::kAverage) acc = size > 0 ? acc / static_cast<T>(size) : T(0);
    if (kind == GlobalPool::kLp) acc = std::pow(acc, T(1) / static_cast<T>(power));
    y[plane] = acc;
  }
}

template <class T>
bool max_unpool(const T* x, const int64_t* indices, int64_t n, const std::vector<int64_t>& index_shape,
                const std::vector<int64_t>& offset, const std::vector<int64_t>& y_shape, T* y) {
  const int64_t index_numel = product(index_shape), y_numel = product(y_shape);
  std::fill(y, y + y_numel, T(0));
  const size_t rank = y_shape.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t f = indices[i];
    if (f < 0 || f >= index_numel) return false;
    // Re-encode the multi-index in y's shape, last dimension fastest.
    int64_t pos = 0, stride = 1;
    for (size_t d = rank; d-- > 0;) {
      const int64_t c = f % index_shape[d] + offset[d];
      f /= index_shape[d];
      if (c < 0 || c >= y_shape[d]) return false;
      pos += c * stride;
      stride *= y_shape[d];
    }
    y[pos] = x[i];
  }
  return true;
}

template <class T>
bool max_roi_pool(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
                  const T* rois, int64_t num_rois, int64_t pooled_h, int64_t pooled_w,
                  float spatial_scale, T* y) {
  for (int64_t r = 0; r < num_rois; ++r) {
    const T* roi = rois + r * 5;
    const auto b = static_cast<int64_t>(roi[0]);
    if (!(roi[0] >= 0) || b >= batch) return false;
    const int64_t x1 = to_coordinate(roi[1] * spatial_scale);
    const int64_t y1 = to_coordinate(roi[2] * spatial_scale);
    const int64_t x2 = to_coordinate(roi[3] * spatial_scale);
    const int64_t y2 = to_coordinate(roi[4] * spatial_scale);
    const int64_t roi_h = std::max<int64_t>(y2 - y1 + 1, 1);
    const int64_t roi_w = std::max<int64_t>(x2 - x1 + 1, 1);
    const double bin_h = static_cast<double>(roi_h) / static_cast<double>(pooled_h);
    const double bin_w = static_cast<double>(roi_w) / static_cast<double>(pooled_w);
    for (int64_t c = 0; c < channels; ++c) {
      const T* xc = x + (b * channels + c) * height * width;
      T* yc = y + (r * channels + c) * pooled_h * pooled_w;
      for (int64_t ph = 0; ph < pooled_h; ++ph) {
        const int64_t hs = std::clamp<int64_t>(static_cast<int64_t>(std::floor(ph * bin_h)) + y1, 0, height);
        const int64_t he = std::clamp<int64_t>(static_cast<int64_t>(std::ceil((ph + 1) * bin_h)) + y1, 0, height);
        for (int64_t pw = 0; pw < pooled_w; ++pw) {
          const int64_t ws = std::clamp<int64_t>(static_cast<int64_t>(std::floor(pw * bin_w)) + x1, 0, width);
          const int64_t we = std::clamp<int64_t>(static_cast<int64_t>(std::ceil((pw + 1) * bin_w)) + x1, 0, width);
          T best = T(0);
          bool any = false;
          for (int64_t h = hs; h < he; ++h) {
            for (int64_t w = ws; w < we; ++w) {
              const T v = xc[h * width + w];
              if (!any || v > best) best = v;
              any = true;
            }
          }
          yc[ph * pooled_w + pw] = best;
        }
      }
    }
  }
  return true;
}

#define LACUNA_POOL_FLOAT_(T)                                                              \
  template void average_pool<T>(const PoolParams&, bool, const T*, T*);                    \
  template void lp_pool<T>(const PoolParams&, float, const T*, T*);                        \
  template void global_pool<T>(GlobalPool, int64_t, int64_t, float, const T*, T*);        \
  template bool max_roi_pool<T>(const T*, int64_t, int64_t, int64_t, int64_t, const T*,    \
                                int64_t, int64_t, int64_t, float, T*);
LACUNA_POOL_FLOAT_(float)
LACUNA_POOL_FLOAT_(double)
#undef LACUNA_POOL_FLOAT_

#define LACUNA_POOL_ANY_(T)                                                       \
  template void max_pool<T>(const PoolParams&, const T*, T*, int64_t*, bool);     \
  template bool max_unpool<T>(const T*, const int64_t*, int64_t, const std::vector<int64_t>&,  \
                              const std::vector<int64_t>&, const std::vector<int64_t>&, T*);
LACUNA_POOL_ANY_(float)
LACUNA_POOL_ANY_(double)
LACUNA_POOL_ANY_(int8_t)
LACUNA_POOL_ANY_(uint8_t)
LACUNA_POOL_ANY_(int32_t)
LACUNA_POOL_ANY_(int64_t)
#undef LACUNA_POOL_ANY_

}  // namespace lacuna::kernels::ref
