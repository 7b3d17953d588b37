// Reference RoiAlign, following the sampling rule of Detectron / ONNX Runtime: a sample outside
// [-1, size] contributes zero; inside, it is clamped to the image and bilinearly interpolated.
#include "kernels/ref/roi_align.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lacuna::kernels::ref {

namespace {

// Bilinear interpolation weights and offsets of one sample point.
struct Sample {
  int64_t off[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

Sample make_sample(double y, double x, int64_t height, int64_t width) {
  Sample s;
  if (y < -1.0 || y > static_cast<double>(height) || x < -1.0 || x > static_cast<double>(width)) return s;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  auto y_lo = static_cast<int64_t>(y), x_lo = static_cast<int64_t>(x);
  int64_t y_hi, x_hi;
  if (y_lo >= height - 1) {
    y_hi = y_lo = height - 1;
    y = static_cast<double>(y_lo);
  } else {
    y_hi = y_lo + 1;
  }
  if (x_lo >= width - 1) {
    x_hi = x_lo = width - 1;
    x = static_cast<double>(x_lo);
  } else {
    x_hi = x_lo + 1;
  }
  const double ly = y - static_cast<double>(y_lo), lx = x - static_cast<double>(x_lo);
  const double hy = 1 - ly, hx = 1 - lx;
  s.off[0] = y_lo * width + x_lo;
  s.off[1] = y_lo * width + x_hi;
  s.off[2] = y_hi * width + x_lo;
  s.off[3] = y_hi * width + x_hi;
  s.w[0] = hy * hx;
  s.w[1] = hy * lx;
  s.w[2] = ly * hx;
  s.w[3] = ly * lx;
  return s;
}

}  // namespace

template <class T>
void roi_align(const RoiAlignParams& p, const T* x, const T* rois, const int64_t* batch_index,
               int64_t num_rois, T* y) {
  const double offset = p.half_pixel ? 0.5 : 0.0;
  const double scale = p.spatial_scale;
  const int64_t plane = p.height * p.width;
  // Boxes are clamped to a margin around the image so the sample counts stay bounded.
  const double limit_x = 2.0 * static_cast<double>(p.width + 1);
  const double limit_y = 2.0 * static_cast<double>(p.height + 1);
  std::vector<double> acc(static_cast<size_t>(p.channels));
  for (int64_t r = 0; r < num_rois; ++r) {
    const T* roi = rois + r * 4;
    auto coord = [&](T v, double limit) {
      const double c = static_cast<double>(v) * scale - offset;
      return std::isfinite(c) ? std::clamp(c, -limit, limit) : 0.0;
    };
    const double x1 = coord(roi[0], limit_x), y1 = coord(roi[1], limit_y);
    const double x2 = coord(roi[2], limit_x), y2 = coord(roi[3], limit_y);
    double roi_w = x2 - x1, roi_h = y2 - y1;
    if (!p.half_pixel) {  // legacy behaviour: boxes are at least one pixel
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(p.out_h);
    const double bin_w = roi_w / static_cast<double>(p.out_w);
    const int64_t grid_h = p.sampling_ratio > 0 ? p.sampling_ratio
                                                : static_cast<int64_t>(std::ceil(roi_h / static_cast<double>(p.out_h)));
    const int64_t grid_w = p.sampling_ratio > 0 ? p.sampling_ratio
                                                : static_cast<int64_t>(std::ceil(roi_w / static_cast<double>(p.out_w)));
    const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
    const T* xb = x + batch_index[r] * p.channels * plane;
    for (int64_t ph = 0; ph < p.out_h; ++ph) {
      for (int64_t pw = 0; pw < p.out_w; ++pw) {
        // Accumulate sample by sample so memory stays bounded by the channel count.
        std::fill(acc.begin(), acc.end(), 0.0);
        bool first = true;
        for (int64_t iy = 0; iy < grid_h; ++iy) {
          const double yy = y1 + static_cast<double>(ph) * bin_h +
                            (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
          for (int64_t ix = 0; ix < grid_w; ++ix) {
            const double xx = x1 + static_cast<double>(pw) * bin_w +
                              (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
            const Sample s = make_sample(yy, xx, p.height, p.width);
            for (int64_t c = 0; c < p.channels; ++c) {
              const T* xc = xb + c * plane;
              double& a = acc[static_cast<size_t>(c)];
              if (p.max_mode) {
                double v = s.w[0] * static_cast<double>(xc[s.off[0]]);
                for (int k = 1; k < 4; ++k) v = std::max(v, s.w[k] * static_cast<double>(xc[s.off[k]]));
                a = first ? v : std::max(a, v);
              } else {
                for (int k = 0; k < 4; ++k) a += s.w[k] * static_cast<double>(xc[s.off[k]]);
              }
            }
            first = false;
          }
        }
        for (int64_t c = 0; c < p.channels; ++c) {
          const double a = acc[static_cast<size_t>(c)];
          y[((r * p.channels + c) * p.out_h + ph) * p.out_w + pw] = static_cast<T>(p.max_mode ? a : a / count);
        }
      }
    }
  }
}

template void roi_align<float>(const RoiAlignParams&, const float*, const float*, const int64_t*,
                               int64_t, float*);
template void roi_align<double>(const RoiAlignParams&, const double*, const double*, const int64_t*,
                                int64_t, double*);

}  // namespace lacuna::kernels::ref
