// Reference pooling. For every output position the window's in-bounds input offsets are listed
// (the Cartesian product of each dimension's valid taps), then reduced; simple and N-D.
#include "kernels/ref/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lacuna::kernels::ref {

namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t r = 1;
  for (int64_t x : v) r *= x;
  return r;
}

// Per spatial dimension and output index: the in-bounds input indices under the window, and
// how many window taps fall inside the padded input (for count_include_pad).
struct Taps {
  std::vector<std::vector<std::vector<int64_t>>> valid;  // [dim][out] -> input indices
  std::vector<std::vector<int64_t>> padded;              // [dim][out] -> tap count
};

Taps make_taps(const PoolParams& p) {
  const size_t nd = p.kernel.size();
  Taps t;
  t.valid.resize(nd);
  t.padded.resize(nd);
  for (size_t d = 0; d < nd; ++d) {
    t.valid[d].resize(static_cast<size_t>(p.out_spatial[d]));
    t.padded[d].resize(static_cast<size_t>(p.out_spatial[d]));
    for (int64_t o = 0; o < p.out_spatial[d]; ++o) {
      const int64_t start = o * p.strides[d] - p.pads_begin[d];
      for (int64_t k = 0; k < p.kernel[d]; ++k) {
        const int64_t ip = start + k * p.dilations[d];
        if (ip >= -p.pads_begin[d] && ip < p.in_spatial[d] + p.pads_end[d]) ++t.padded[d][o];
        if (ip >= 0 && ip < p.in_spatial[d]) t.valid[d][o].push_back(ip);
      }
    }
  }
  return t;
}

// Walks every output position of one plane; f(out_offset, window_offsets, window_col_major,
// padded_count). Column-major offsets are only built when want_col_major is set.
template <class F>
void for_each_window(const PoolParams& p, const Taps& t, bool want_col_major, F&& f) {
  const size_t nd = p.kernel.size();
  const int64_t out_size = product(p.out_spatial);
  std::vector<int64_t> o(nd, 0), offs, cm, next, next_cm;
  for (int64_t flat = 0; flat < out_size; ++flat) {
    offs.assign(1, 0);
    cm.assign(1, 0);
    int64_t padded = 1;
    int64_t cm_stride = 1;
    for (size_t d = 0; d < nd; ++d) {
      const auto& taps = t.valid[d][static_cast<size_t>(o[d])];
      padded *= t.padded[d][static_cast<size_t>(o[d])];
      next.clear();
      next_cm.clear();
      for (size_t i = 0; i < offs.size(); ++i) {
        for (int64_t ip : taps) {
          next.push_back(offs[i] * p.in_spatial[d] + ip);
          if (want_col_major) next_cm.push_back(cm[i] + ip * cm_stride);
        }
      }
      offs.swap(next);
      cm.swap(next_cm);
      cm_stride *= p.in_spatial[d];
    }
    f(flat, offs, cm, padded);
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
  const bool want_cm = indices && column_major_indices;
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const T* xp = x + plane * in_size;
    T* yp = y + plane * out_size;
    int64_t* ip = indices ? indices + plane * out_size : nullptr;
    for_each_window(p, t, want_cm, [&](int64_t o, const std::vector<int64_t>& offs,
                                       const std::vector<int64_t>& cm, int64_t) {
      T best = std::numeric_limits<T>::lowest();
      size_t arg = 0;
      for (size_t i = 0; i < offs.size(); ++i) {
        if (i == 0 || xp[offs[i]] > best) {
          best = xp[offs[i]];
          arg = i;
        }
      }
      yp[o] = best;
      if (ip) {
        const int64_t local = offs.empty() ? 0 : (want_cm ? cm[arg] : offs[arg]);
        ip[o] = plane * in_size + local;
      }
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
    for_each_window(p, t, false, [&](int64_t o, const std::vector<int64_t>& offs,
                                     const std::vector<int64_t>&, int64_t padded) {
      T sum = T(0);
      for (int64_t off : offs) sum += xp[off];
      const int64_t count = count_include_pad ? padded : static_cast<int64_t>(offs.size());
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
    for_each_window(p, t, false, [&](int64_t o, const std::vector<int64_t>& offs,
                                     const std::vector<int64_t>&, int64_t) {
      T sum = T(0);
      for (int64_t off : offs) sum += std::pow(std::abs(xp[off]), pw);
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
