// Reference RoiAlign: average or max of bilinearly interpolated samples over a regular grid of
// each bin of each region of interest.
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

struct RoiAlignParams {
  bool max_mode = false;       // "max" takes the largest weighted corner value of any sample
  bool half_pixel = true;      // shift box corners by -0.5 pixel (pixel centres at +0.5)
  int64_t channels = 0, height = 0, width = 0;
  int64_t out_h = 1, out_w = 1;
  int64_t sampling_ratio = 0;  // samples per bin side; 0 = ceil(roi size / bins)
  float spatial_scale = 1.f;
};

// rois are (num_rois, 4) rows [x1, y1, x2, y2]; batch_index[r] selects the image (validated by
// the caller); y is (num_rois, channels, out_h, out_w).
template <class T>
void roi_align(const RoiAlignParams& p, const T* x, const T* rois, const int64_t* batch_index,
               int64_t num_rois, T* y);

}  // namespace lacuna::kernels::ref
