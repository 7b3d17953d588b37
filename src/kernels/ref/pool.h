// Reference N-D pooling over (batch, channels, spatial...) tensors: max (with optional argmax
// indices), average and Lp windows, their global forms, MaxUnpool's scatter and MaxRoiPool.
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

struct PoolParams {
  int64_t batch = 1;
  int64_t channels = 0;
  std::vector<int64_t> in_spatial, out_spatial, kernel, strides, dilations, pads_begin, pads_end;
};

// indices (may be null) receives each maximum's flat offset in x, counting batch and channel;
// column_major_indices flattens the spatial part with the first dimension fastest.
template <class T>
void max_pool(const PoolParams& p, const T* x, T* y, int64_t* indices, bool column_major_indices);

// count_include_pad divides by the window clipped to the padded input; otherwise by the number
// of input elements under the window.
template <class T>
void average_pool(const PoolParams& p, bool count_include_pad, const T* x, T* y);

// y = (sum |x|^p)^(1/p) over the window; padding contributes zeros.
template <class T>
void lp_pool(const PoolParams& p, float power, const T* x, T* y);

enum class GlobalPool { kAverage, kMax, kLp };
// Reduces each of `planes` contiguous runs of `size` elements to one value.
template <class T>
void global_pool(GlobalPool kind, int64_t planes, int64_t size, float power, const T* x, T* y);

// MaxUnpool: y (of y_shape) is zeroed, then x[i] goes to the position that indices[i] (a flat
// offset into a tensor of index_shape, as MaxPool produces) names, shifted by `offset` per
// dimension. Returns false if an index falls outside index_shape or y.
template <class T>
bool max_unpool(const T* x, const int64_t* indices, int64_t n, const std::vector<int64_t>& index_shape,
                const std::vector<int64_t>& offset, const std::vector<int64_t>& y_shape, T* y);

// MaxRoiPool: rois are (num_rois, 5) rows [batch_index, x1, y1, x2, y2] in input coordinates
// times spatial_scale; y is (num_rois, channels, pooled_h, pooled_w). Empty bins give 0.
// Returns false if a batch index is out of range.
template <class T>
bool max_roi_pool(const T* x, int64_t batch, int64_t channels, int64_t height, int64_t width,
                  const T* rois, int64_t num_rois, int64_t pooled_h, int64_t pooled_w,
                  float spatial_scale, T* y);

}  // namespace lacuna::kernels::ref
