// Reference N-D resampling (Resize / Upsample): nearest, N-linear and cubic interpolation with
// every ONNX coordinate transformation, computed as a weighted sum over per-axis taps.
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

enum class ResizeMode { kNearest, kLinear, kCubic };

// How an output coordinate maps back onto the input axis.
enum class ResizeCoord {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};

// Rounding of the mapped coordinate in nearest mode. kSimple is the rule of Upsample and
// Resize-10: truncate when upsampling, round up when downsampling.
enum class ResizeNearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct ResizeAxis {
  int64_t in = 1;
  int64_t out = 1;
  double scale = 1.0;  // out / in as specified (may differ from the integer ratio)
  double roi_start = 0.0, roi_end = 1.0;  // tf_crop_and_resize region, normalized
};

struct ResizeParams {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearest nearest = ResizeNearest::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;   // drop (and renormalize away) taps outside the input
  double extrapolation = 0.0;     // tf_crop_and_resize value outside the input
  std::vector<ResizeAxis> axes;   // one per dimension of x
};

// x has shape [axes[i].in], y has shape [axes[i].out]. T: float, double or an integer type
// (interpolated in floating point, then rounded and saturated).
template <class T>
void resize(const ResizeParams& p, const T* x, T* y);

}  // namespace lacuna::kernels::ref
