// Reference N-D resampling (Resize / Upsample): nearest, N-linear and cubic interpolation with
// every ONNX coordinate transformation, computed as a weighted sum over per-axis taps.
#pragma once

#include <cstddef>
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

// Each axis's output coordinates as (input index, weight) taps: computed once per shape, so that
// runs only read them.
struct ResizeTaps {
  std::vector<int64_t> begin;    // per output index: first tap (one extra entry at the end)
  std::vector<int64_t> index;    // input index of each tap
  std::vector<double> weight;    // weight of each tap
  std::vector<uint8_t> outside;  // per output index: extrapolate instead
};
struct ResizePlan {
  std::vector<ResizeTaps> axes;
  size_t max_terms = 1;  // the most taps one output element sums over
};
ResizePlan plan_resize(const ResizeParams& p);
// Bytes of working memory resize() needs with `plan`.
size_t resize_scratch_bytes(const ResizePlan& plan);

// x has shape [axes[i].in], y has shape [axes[i].out]. T: float, double or an integer type
// (interpolated in floating point, then rounded and saturated). `scratch` holds
// resize_scratch_bytes(plan) bytes, 8-byte aligned.
template <class T>
void resize(const ResizeParams& p, const ResizePlan& plan, const T* x, T* y, void* scratch);
// Plans and allocates its working memory on the way (for shapes known only at run time).
template <class T>
void resize(const ResizeParams& p, const T* x, T* y);

}  // namespace lacuna::kernels::ref
