// Reference losses: negative log-likelihood over [N, C, D] log-probabilities (D = product of the
// trailing dims, 1 when there are none) and the log-softmax that SoftmaxCrossEntropyLoss feeds it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace lacuna::kernels::ref {

enum class LossReduction { kNone, kSum, kMean };

struct NllParams {
  int64_t n = 0, c = 0, d = 1;
  bool has_ignore_index = false;
  int64_t ignore_index = 0;
  LossReduction reduction = LossReduction::kMean;
};

// loss[n, d] = -weight[t] * logp[n, t, d] with t = target[n, d] (0 where t is ignored). `y` gets
// N*D values for kNone, else one. Returns the index of the first target outside [0, C) that is not
// ignored, or -1 when all are valid (then nothing is written).
template <class T, class I>
int64_t nll_loss(const T* logp, const I* target, const T* weight, const NllParams& p, T* y) {
  const int64_t count = p.n * p.d;
  for (int64_t i = 0; i < count; ++i) {
    const auto t = static_cast<int64_t>(target[i]);
    if (p.has_ignore_index && t == p.ignore_index) continue;
    if (t < 0 || t >= p.c) return i;
  }
  double sum = 0, weight_sum = 0;
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t k = 0; k < p.d; ++k) {
      const int64_t i = n * p.d + k;
      const auto t = static_cast<int64_t>(target[i]);
      double l = 0, w = 0;
      if (!(p.has_ignore_index && t == p.ignore_index)) {
        w = weight ? static_cast<double>(weight[t]) : 1.0;
        l = -w * static_cast<double>(logp[(n * p.c + t) * p.d + k]);
      }
      if (p.reduction == LossReduction::kNone) y[i] = static_cast<T>(l);
      sum += l;
      weight_sum += w;
    }
  }
  if (p.reduction == LossReduction::kSum) y[0] = static_cast<T>(sum);
  // All targets ignored gives 0/0 = NaN, as in PyTorch.
  if (p.reduction == LossReduction::kMean) y[0] = static_cast<T>(sum / weight_sum);
  return -1;
}

// log_softmax over the C dimension of [N, C, D].
template <class T>
void log_softmax_ncd(const T* x, int64_t n, int64_t c, int64_t d, T* y) {
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t k = 0; k < d; ++k) {
      const T* xp = x + b * c * d + k;
      T* yp = y + b * c * d + k;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < c; ++j) m = std::max(m, static_cast<double>(xp[j * d]));
      double s = 0;
      for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(xp[j * d]) - m);
      const double lse = m + std::log(s);
      for (int64_t j = 0; j < c; ++j) yp[j * d] = static_cast<T>(static_cast<double>(xp[j * d]) - lse);
    }
  }
}

}  // namespace lacuna::kernels::ref
