// Reference resampling. Each output coordinate of each axis becomes a short list of
// (input index, weight) taps; an output element is the sum over the Cartesian product of its
// axes' taps. Out-of-range taps read the edge element, as ONNX's reference pads with edges.
#include "kernels/ref/resize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace lacuna::kernels::ref {

namespace {

double source_coordinate(const ResizeParams& p, const ResizeAxis& a, int64_t x) {
  const double xr = static_cast<double>(x);
  const double in = static_cast<double>(a.in);
  // The resized length as the scale implies it (fractional when scales were given).
  const double out = a.scale * in;
  switch (p.coord) {
    case ResizeCoord::kHalfPixel: return (xr + 0.5) / a.scale - 0.5;
    case ResizeCoord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(a.out) / out;
      const double offset = in / 2 * (1 - adjustment);
      return offset + (xr + 0.5) / a.scale - 0.5;
    }
    case ResizeCoord::kPytorchHalfPixel: return a.out > 1 ? (xr + 0.5) / a.scale - 0.5 : 0.0;
    case ResizeCoord::kAlignCorners: return out <= 1 ? 0.0 : xr * (in - 1) / (out - 1);
    case ResizeCoord::kAsymmetric: return xr / a.scale;
    case ResizeCoord::kTfHalfPixelForNn: return (xr + 0.5) / a.scale;
    case ResizeCoord::kTfCropAndResize:
      if (a.out > 1) {
        return a.roi_start * (in - 1) +
               xr * (a.roi_end - a.roi_start) * (in - 1) / static_cast<double>(a.out - 1);
      }
      return 0.5 * (a.roi_start + a.roi_end) * (in - 1);
  }
  return 0.0;
}

int64_t nearest_index(ResizeNearest mode, double x, double scale) {
  switch (mode) {
    case ResizeNearest::kRoundPreferFloor: return static_cast<int64_t>(std::ceil(x - 0.5));
    case ResizeNearest::kRoundPreferCeil: return static_cast<int64_t>(std::floor(x + 0.5));
    case ResizeNearest::kFloor: return static_cast<int64_t>(std::floor(x));
    case ResizeNearest::kCeil: return static_cast<int64_t>(std::ceil(x));
    case ResizeNearest::kSimple:
      return scale < 1.0 ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
  }
  return 0;
}

void cubic_coefficients(double t, double a, double c[4]) {
  const double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
  c[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
  c[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
}

ResizeTaps make_taps(const ResizeParams& p, const ResizeAxis& a) {
  ResizeTaps t;
  t.begin.reserve(static_cast<size_t>(a.out) + 1);
  t.outside.assign(static_cast<size_t>(a.out), 0);
  // Coordinates are kept far inside int64 so the index arithmetic below cannot overflow.
  const double limit = 1e15;
  for (int64_t o = 0; o < a.out; ++o) {
    t.begin.push_back(static_cast<int64_t>(t.index.size()));
    double x = source_coordinate(p, a, o);
    if (p.coord == ResizeCoord::kTfCropAndResize &&
        (x < 0 || x > static_cast<double>(a.in - 1))) {
      t.outside[static_cast<size_t>(o)] = 1;
      continue;
    }
    if (!std::isfinite(x)) x = 0;
    x = std::clamp(x, -limit, limit);
    int64_t idx[4];
    double w[4];
    int n = 0;
    if (p.mode == ResizeMode::kNearest) {
      idx[0] = nearest_index(p.nearest, x, a.scale);
      w[0] = 1;
      n = 1;
    } else {
      const double fl = std::floor(x);
      const double r = x - fl;
      const auto base = static_cast<int64_t>(fl);
      if (r == 0) {
        idx[0] = base;
        w[0] = 1;
        n = 1;
      } else if (p.mode == ResizeMode::kLinear) {
        idx[0] = base;
        idx[1] = base + 1;
        w[0] = 1 - r;
        w[1] = r;
        n = 2;
      } else {
        cubic_coefficients(r, p.cubic_a, w);
        for (int k = 0; k < 4; ++k) idx[k] = base - 1 + k;
        n = 4;
      }
    }
    if (p.exclude_outside && n > 1) {
      double sum = 0;
      for (int k = 0; k < n; ++k) {
        if (idx[k] < 0 || idx[k] >= a.in) w[k] = 0;
        sum += w[k];
      }
      for (int k = 0; k < n; ++k) w[k] = sum != 0 ? w[k] / sum : 0;
    }
    for (int k = 0; k < n; ++k) {
      t.index.push_back(std::clamp<int64_t>(idx[k], 0, a.in - 1));
      t.weight.push_back(w[k]);
    }
  }
  t.begin.push_back(static_cast<int64_t>(t.index.size()));
  return t;
}

template <class T>
T from_accumulator(double v) {
  if constexpr (std::is_integral_v<T>) {
    const double r = std::nearbyint(v);
    if (!(r == r)) return T(0);
    return static_cast<T>(std::clamp(r, static_cast<double>(std::numeric_limits<T>::lowest()),
                                     static_cast<double>(std::numeric_limits<T>::max())));
  } else {
    return static_cast<T>(v);
  }
}

}  // namespace

ResizePlan plan_resize(const ResizeParams& p) {
  ResizePlan plan;
  for (const ResizeAxis& a : p.axes) {
    plan.axes.push_back(a.in > 0 ? make_taps(p, a) : ResizeTaps{});
    size_t most = 1;
    const ResizeTaps& t = plan.axes.back();
    for (size_t o = 0; o + 1 < t.begin.size(); ++o) most = std::max(most, static_cast<size_t>(t.begin[o + 1] - t.begin[o]));
    plan.max_terms *= most;
  }
  return plan;
}

size_t resize_scratch_bytes(const ResizePlan& plan) {
  return (plan.axes.size() + 2 * plan.max_terms) * sizeof(int64_t) + 2 * plan.max_terms * sizeof(double);
}

template <class T>
void resize(const ResizeParams& p, const ResizePlan& plan, const T* x, T* y, void* scratch) {
  const size_t rank = p.axes.size();
  int64_t total = 1;
  for (const ResizeAxis& a : p.axes) total *= a.out;
  if (total == 0) return;
  for (const ResizeAxis& a : p.axes) {
    if (a.in <= 0) return;  // nothing to sample from (the op rejects this)
  }
  const size_t terms = plan.max_terms;
  auto* o = static_cast<int64_t*>(scratch);
  int64_t* offs = o + rank;
  int64_t* next_offs = offs + terms;
  auto* ws = reinterpret_cast<double*>(next_offs + terms);
  double* next_ws = ws + terms;
  std::fill_n(o, rank, int64_t{0});
  for (int64_t flat = 0; flat < total; ++flat) {
    bool outside = false;
    size_t n = 1;
    offs[0] = 0;
    ws[0] = 1.0;
    for (size_t d = 0; d < rank && !outside; ++d) {
      const ResizeTaps& t = plan.axes[d];
      const auto od = static_cast<size_t>(o[d]);
      if (t.outside[od]) {
        outside = true;
        break;
      }
      size_t next = 0;
      for (size_t i = 0; i < n; ++i) {
        for (int64_t k = t.begin[od]; k < t.begin[od + 1]; ++k) {
          next_offs[next] = offs[i] * p.axes[d].in + t.index[static_cast<size_t>(k)];
          next_ws[next] = ws[i] * t.weight[static_cast<size_t>(k)];
          ++next;
        }
      }
      std::swap(offs, next_offs);
      std::swap(ws, next_ws);
      n = next;
    }
    if (outside) {
      y[flat] = from_accumulator<T>(p.extrapolation);
    } else {
      double acc = 0;
      for (size_t i = 0; i < n; ++i) acc += ws[i] * static_cast<double>(x[offs[i]]);
      y[flat] = from_accumulator<T>(acc);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++o[d] < p.axes[d].out) break;
      o[d] = 0;
    }
  }
}

template <class T>
void resize(const ResizeParams& p, const T* x, T* y) {
  const ResizePlan plan = plan_resize(p);
  std::vector<int64_t> scratch((resize_scratch_bytes(plan) + sizeof(int64_t) - 1) / sizeof(int64_t));
  resize(p, plan, x, y, scratch.data());
}

#define LACUNA_RESIZE_INSTANCE_(T)                                                      \
  template void resize<T>(const ResizeParams&, const ResizePlan&, const T*, T*, void*); \
  template void resize<T>(const ResizeParams&, const T*, T*);
LACUNA_RESIZE_INSTANCE_(float)
LACUNA_RESIZE_INSTANCE_(double)
LACUNA_RESIZE_INSTANCE_(int8_t)
LACUNA_RESIZE_INSTANCE_(uint8_t)
LACUNA_RESIZE_INSTANCE_(int32_t)
LACUNA_RESIZE_INSTANCE_(int64_t)
#undef LACUNA_RESIZE_INSTANCE_


}  // namespace lacuna::kernels::ref
