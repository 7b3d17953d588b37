// Reference GridSample. Locations are denormalized to pixel coordinates; out-of-range
// locations are clamped (border) or reflected (reflection) first, and taps that still fall
// outside read zero (zeros), the nearest edge (border) or their reflection (reflection).
#include "kernels/ref/grid_sample.h"

#include <algorithm>
#include <cmath>

namespace lacuna::kernels::ref {

namespace {

double denormalize(double v, int64_t size, bool align_corners) {
  const auto n = static_cast<double>(size);
  return align_corners ? (v + 1) / 2 * (n - 1) : ((v + 1) * n - 1) / 2;
}

// Reflects v into [lo, hi] (repeatedly, like a mirror pair).
double reflect(double v, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (v < lo) {
    const double d = lo - v;
    const auto n = static_cast<int64_t>(d / range);
    const double r = d - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (v > hi) {
    const double d = v - hi;
    const auto n = static_cast<int64_t>(d / range);
    const double r = d - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return v;
}

void cubic_coefficients(double t, double c[4]) {
  constexpr double a = -0.75;
  const double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
  c[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
  c[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
}

struct Sampler {
  const GridSampleParams& p;
  double lo_x, hi_x, lo_y, hi_y;  // the valid coordinate range for reflection

  // The pixel at integer position (r, c) of one plane, after padding.
  template <class T>
  double pixel(const T* plane, int64_t r, int64_t c) const {
    switch (p.padding) {
      case GridSamplePadding::kZeros:
        if (r < 0 || r >= p.in_h || c < 0 || c >= p.in_w) return 0;
        break;
      case GridSamplePadding::kBorder:
        r = std::clamp<int64_t>(r, 0, p.in_h - 1);
        c = std::clamp<int64_t>(c, 0, p.in_w - 1);
        break;
      case GridSamplePadding::kReflection:
        c = static_cast<int64_t>(reflect(static_cast<double>(c), lo_x, hi_x));
        r = static_cast<int64_t>(reflect(static_cast<double>(r), lo_y, hi_y));
        c = std::clamp<int64_t>(c, 0, p.in_w - 1);
        r = std::clamp<int64_t>(r, 0, p.in_h - 1);
        break;
    }
    return static_cast<double>(plane[r * p.in_w + c]);
  }
};

}  // namespace

template <class T>
void grid_sample(const GridSampleParams& p, const T* x, const T* grid, T* y) {
  if (p.in_h <= 0 || p.in_w <= 0) {
    std::fill(y, y + p.batch * p.channels * p.out_h * p.out_w, T(0));
    return;
  }
  Sampler s{p, 0, 0, 0, 0};
  if (p.align_corners) {
    s.lo_x = 0;
    s.hi_x = static_cast<double>(p.in_w - 1);
    s.lo_y = 0;
    s.hi_y = static_cast<double>(p.in_h - 1);
  } else {
    s.lo_x = -0.5;
    s.hi_x = static_cast<double>(p.in_w) - 0.5;
    s.lo_y = -0.5;
    s.hi_y = static_cast<double>(p.in_h) - 0.5;
  }
  const int64_t out_size = p.out_h * p.out_w;
  // Locations are clamped far outside the image so integer conversions stay defined.
  const double limit = 1e12;
  for (int64_t n = 0; n < p.batch; ++n) {
    const T* g = grid + n * out_size * 2;
    for (int64_t i = 0; i < out_size; ++i) {
      double gx = static_cast<double>(g[2 * i]), gy = static_cast<double>(g[2 * i + 1]);
      if (!std::isfinite(gx)) gx = 0;
      if (!std::isfinite(gy)) gy = 0;
      double px = std::clamp(denormalize(gx, p.in_w, p.align_corners), -limit, limit);
      double py = std::clamp(denormalize(gy, p.in_h, p.align_corners), -limit, limit);
      if (p.mode == GridSampleMode::kNearest) {
        px = std::nearbyint(px);
        py = std::nearbyint(py);
      }
      if (px < s.lo_x || px > s.hi_x || py < s.lo_y || py > s.hi_y) {
        if (p.padding == GridSamplePadding::kBorder) {
          px = std::clamp(px, 0.0, static_cast<double>(p.in_w - 1));
          py = std::clamp(py, 0.0, static_cast<double>(p.in_h - 1));
        } else if (p.padding == GridSamplePadding::kReflection) {
          px = reflect(px, s.lo_x, s.hi_x);
          py = reflect(py, s.lo_y, s.hi_y);
        }
      }
      for (int64_t c = 0; c < p.channels; ++c) {
        const T* plane = x + (n * p.channels + c) * p.in_h * p.in_w;
        double v = 0;
        switch (p.mode) {
          case GridSampleMode::kNearest:
            v = s.pixel(plane, static_cast<int64_t>(py), static_cast<int64_t>(px));
            break;
          case GridSampleMode::kLinear: {
            const auto x1 = static_cast<int64_t>(std::floor(px));
            const auto y1 = static_cast<int64_t>(std::floor(py));
            const double dx = px - static_cast<double>(x1), dy = py - static_cast<double>(y1);
            v = (1 - dy) * ((1 - dx) * s.pixel(plane, y1, x1) + dx * s.pixel(plane, y1, x1 + 1)) +
                dy * ((1 - dx) * s.pixel(plane, y1 + 1, x1) + dx * s.pixel(plane, y1 + 1, x1 + 1));
            break;
          }
          case GridSampleMode::kCubic: {
            const auto x0 = static_cast<int64_t>(std::floor(px)) - 1;
            const auto y0 = static_cast<int64_t>(std::floor(py)) - 1;
            double cx[4], cy[4];
            cubic_coefficients(px - static_cast<double>(x0) - 1, cx);
            cubic_coefficients(py - static_cast<double>(y0) - 1, cy);
            for (int r = 0; r < 4; ++r) {
              double row = 0;
              for (int k = 0; k < 4; ++k) row += cx[k] * s.pixel(plane, y0 + r, x0 + k);
              v += cy[r] * row;
            }
            break;
          }
        }
        y[(n * p.channels + c) * out_size + i] = static_cast<T>(v);
      }
    }
  }
}

template void grid_sample<float>(const GridSampleParams&, const float*, const float*, float*);
template void grid_sample<double>(const GridSampleParams&, const double*, const double*, double*);

}  // namespace lacuna::kernels::ref
