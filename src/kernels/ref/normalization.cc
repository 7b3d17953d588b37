// Reference normalization kernels.
#include "kernels/ref/normalization.h"

#include <algorithm>
#include <cmath>

namespace lacuna::kernels::ref {

namespace {

// Mean and population variance of n elements at stride 1.
template <class T>
void moments(const T* x, int64_t n, T* mean, T* var) {
  T sum = T(0);
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const T m = n > 0 ? sum / static_cast<T>(n) : T(0);
  T sq = T(0);
  for (int64_t i = 0; i < n; ++i) sq += (x[i] - m) * (x[i] - m);
  *mean = m;
  *var = n > 0 ? sq / static_cast<T>(n) : T(0);
}

}  // namespace

template <class T>
void batch_norm(const T* x, int64_t batch, int64_t channels, int64_t size, const T* scale,
                const T* bias, const T* mean, const T* var, float eps, T* y) {
  for (int64_t c = 0; c < channels; ++c) {
    const T k = scale[c] / std::sqrt(var[c] + static_cast<T>(eps));
    const T b = bias[c] - mean[c] * k;
    for (int64_t n = 0; n < batch; ++n) {
      const T* xp = x + (n * channels + c) * size;
      T* yp = y + (n * channels + c) * size;
      for (int64_t i = 0; i < size; ++i) yp[i] = xp[i] * k + b;
    }
  }
}

template <class T>
void channel_moments(const T* x, int64_t batch, int64_t channels, int64_t size, T* mean, T* var) {
  const int64_t count = batch * size;
  for (int64_t c = 0; c < channels; ++c) {
    T sum = T(0);
    for (int64_t n = 0; n < batch; ++n) {
      const T* xp = x + (n * channels + c) * size;
      for (int64_t i = 0; i < size; ++i) sum += xp[i];
    }
    const T m = count > 0 ? sum / static_cast<T>(count) : T(0);
    T sq = T(0);
    for (int64_t n = 0; n < batch; ++n) {
      const T* xp = x + (n * channels + c) * size;
      for (int64_t i = 0; i < size; ++i) sq += (xp[i] - m) * (xp[i] - m);
    }
    mean[c] = m;
    var[c] = count > 0 ? sq / static_cast<T>(count) : T(0);
  }
}

template <class T>
void instance_norm(const T* x, int64_t batch, int64_t channels, int64_t size, const T* scale,
                   const T* bias, float eps, T* y) {
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const T* xp = x + (n * channels + c) * size;
      T* yp = y + (n * channels + c) * size;
      T m, v;
      moments(xp, size, &m, &v);
      const T k = scale[c] / std::sqrt(v + static_cast<T>(eps));
      for (int64_t i = 0; i < size; ++i) yp[i] = (xp[i] - m) * k + bias[c];
    }
  }
}

template <class T>
void layer_norm(const T* x, int64_t rows, int64_t cols, const T* scale, const T* bias, float eps,
                T* y, T* mean, T* inv_std_dev) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    T m, v;
    moments(xr, cols, &m, &v);
    const T inv = T(1) / std::sqrt(v + static_cast<T>(eps));
    for (int64_t i = 0; i < cols; ++i) {
      T t = (xr[i] - m) * inv;
      if (scale) t *= scale[i];
      if (bias) t += bias[i];
      yr[i] = t;
    }
    if (mean) mean[r] = m;
    if (inv_std_dev) inv_std_dev[r] = inv;
  }
}

template <class T>
void group_norm(const T* x, int64_t batch, int64_t channels, int64_t groups, int64_t size,
                const T* scale, const T* bias, float eps, T* y) {
  const int64_t cg = channels / groups;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t c0 = g * cg;
      const T* xg = x + (n * channels + c0) * size;
      T* yg = y + (n * channels + c0) * size;
      T m, v;
      moments(xg, cg * size, &m, &v);
      const T inv = T(1) / std::sqrt(v + static_cast<T>(eps));
      for (int64_t c = 0; c < cg; ++c) {
        for (int64_t i = 0; i < size; ++i) {
          yg[c * size + i] = (xg[c * size + i] - m) * inv * scale[c0 + c] + bias[c0 + c];
        }
      }
    }
  }
}

template <class T>
void lrn(const T* x, int64_t batch, int64_t channels, int64_t plane, int64_t size, float alpha,
         float beta, float bias, T* y) {
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;  // ceil((size - 1) / 2)
  const T k = static_cast<T>(alpha) / static_cast<T>(size);
  for (int64_t n = 0; n < batch; ++n) {
    const T* xn = x + n * channels * plane;
    T* yn = y + n * channels * plane;
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min<int64_t>(channels - 1, c + after);
      for (int64_t i = 0; i < plane; ++i) {
        T sq = T(0);
        for (int64_t j = lo; j <= hi; ++j) sq += xn[j * plane + i] * xn[j * plane + i];
        yn[c * plane + i] =
            xn[c * plane + i] / std::pow(static_cast<T>(bias) + k * sq, static_cast<T>(beta));
      }
    }
  }
}

template <class T>
void mean_variance_norm(const T* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduce,
                        bool divide_by_std, float eps, T* y) {
  // Each element belongs to the group named by its coordinates along the kept dimensions.
  const size_t rank = shape.size();
  int64_t total = 1, groups = 1;
  for (size_t d = 0; d < rank; ++d) {
    total *= shape[d];
    if (!reduce[d]) groups *= shape[d];
  }
  if (total == 0) return;
  const int64_t per_group = total / groups;
  std::vector<int64_t> group_of(static_cast<size_t>(total));
  std::vector<int64_t> idx(rank, 0);
  for (int64_t f = 0; f < total; ++f) {
    int64_t g = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (!reduce[d]) g = g * shape[d] + idx[d];
    }
    group_of[static_cast<size_t>(f)] = g;
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  std::vector<T> mean(static_cast<size_t>(groups), T(0)), sq(static_cast<size_t>(groups), T(0));
  for (int64_t f = 0; f < total; ++f) mean[static_cast<size_t>(group_of[static_cast<size_t>(f)])] += x[f];
  for (T& m : mean) m /= static_cast<T>(per_group);
  for (int64_t f = 0; f < total; ++f) {
    const T d = x[f] - mean[static_cast<size_t>(group_of[static_cast<size_t>(f)])];
    sq[static_cast<size_t>(group_of[static_cast<size_t>(f)])] += d * d;
  }
  for (T& s : sq) s = divide_by_std ? std::sqrt(s / static_cast<T>(per_group)) + static_cast<T>(eps) : T(1);
  for (int64_t f = 0; f < total; ++f) {
    const auto g = static_cast<size_t>(group_of[static_cast<size_t>(f)]);
    y[f] = (x[f] - mean[g]) / sq[g];
  }
}

#define LACUNA_NORM_(T)                                                                         \
  template void batch_norm<T>(const T*, int64_t, int64_t, int64_t, const T*, const T*, const T*, \
                              const T*, float, T*);                                              \
  template void channel_moments<T>(const T*, int64_t, int64_t, int64_t, T*, T*);                 \
  template void instance_norm<T>(const T*, int64_t, int64_t, int64_t, const T*, const T*, float, \
                                 T*);                                                            \
  template void layer_norm<T>(const T*, int64_t, int64_t, const T*, const T*, float, T*, T*, T*); \
  template void group_norm<T>(const T*, int64_t, int64_t, int64_t, int64_t, const T*, const T*,  \
                              float, T*);                                                        \
  template void lrn<T>(const T*, int64_t, int64_t, int64_t, int64_t, float, float, float, T*);   \
  template void mean_variance_norm<T>(const T*, const std::vector<int64_t>&,                     \
                                      const std::vector<bool>&, bool, float, T*);
LACUNA_NORM_(float)
LACUNA_NORM_(double)
#undef LACUNA_NORM_

}  // namespace lacuna::kernels::ref
