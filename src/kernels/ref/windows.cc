// Cosine windows and the mel filterbank.
#include "kernels/ref/windows.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace lacuna::kernels::ref {

double cosine_window_value(WindowKind kind, int64_t k, int64_t size, bool periodic) {
  double a0 = 0.5, a1 = 0.5, a2 = 0.0;
  if (kind == WindowKind::kHamming) {
    a0 = 25.0 / 46.0;
    a1 = 21.0 / 46.0;
  } else if (kind == WindowKind::kBlackman) {
    a0 = 0.42;
    a1 = 0.5;
    a2 = 0.08;
  }
  const int64_t period = periodic ? size : size - 1;
  if (period == 0) return 1.0;  // a one-point symmetric window: the limit of the formula
  const double x = 2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(period);
  return a0 - a1 * std::cos(x) + a2 * std::cos(2.0 * x);
}

void mel_weight_matrix(const MelParams& p, double* out) {
  const int64_t spectrum_bins = p.dft_length / 2 + 1;
  const int64_t nb = p.num_mel_bins;
  std::fill_n(out, spectrum_bins * nb, 0.0);
  auto to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double low = to_mel(p.lower_edge_hertz);
  const double high = to_mel(p.upper_edge_hertz);
  // nb + 2 equally spaced mel points (the edges of nb overlapping triangles), mapped back to
  // hertz and then to DFT bin indices.
  const double step = (high - low) / static_cast<double>(nb + 2);
  std::vector<int64_t> edge(static_cast<size_t>(nb + 2));
  for (int64_t i = 0; i < nb + 2; ++i) {
    const double hz = 700.0 * (std::pow(10.0, (static_cast<double>(i) * step + low) / 2595.0) - 1.0);
    double bin = std::floor(static_cast<double>(p.dft_length + 1) * hz / static_cast<double>(p.sample_rate));
    if (std::isnan(bin)) bin = 0.0;
    // Far-away edges still shape the slopes, so they are kept, only bounded for the cast.
    edge[static_cast<size_t>(i)] = static_cast<int64_t>(std::clamp(bin, -1e15, 1e15));
  }
  auto first = [](int64_t j) { return std::max<int64_t>(j, 0); };
  auto last = [&](int64_t j) { return std::min<int64_t>(j, spectrum_bins - 1); };  // inclusive
  for (int64_t i = 0; i < nb; ++i) {
    const int64_t left = edge[static_cast<size_t>(i)];
    const int64_t center = edge[static_cast<size_t>(i + 1)];
    const int64_t right = edge[static_cast<size_t>(i + 2)];
    if (center == left) {
      if (center >= 0 && center < spectrum_bins) out[center * nb + i] = 1.0;
    } else {
      for (int64_t j = first(left); j <= last(center); ++j) {
        out[j * nb + i] = static_cast<double>(j - left) / static_cast<double>(center - left);
      }
    }
    for (int64_t j = first(center); j <= last(right - 1); ++j) {
      out[j * nb + i] = static_cast<double>(right - j) / static_cast<double>(right - center);
    }
  }
}

}  // namespace lacuna::kernels::ref
