// Reference 2-D GridSample: samples X (N, C, H, W) at the normalized (x, y) locations of a grid
// (N, Ho, Wo, 2), with nearest / bilinear / bicubic interpolation and zeros / border /
// reflection padding.
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

enum class GridSampleMode { kNearest, kLinear, kCubic };
enum class GridSamplePadding { kZeros, kBorder, kReflection };

struct GridSampleParams {
  GridSampleMode mode = GridSampleMode::kLinear;
  GridSamplePadding padding = GridSamplePadding::kZeros;
  bool align_corners = false;  // -1 and 1 are the centres (true) or the outer edges of corner pixels
  int64_t batch = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
};

template <class T>
void grid_sample(const GridSampleParams& p, const T* x, const T* grid, T* y);

}  // namespace lacuna::kernels::ref
