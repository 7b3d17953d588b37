// 2-D max and average pooling in NCHW over padded planes (-inf or 0 padding), vectorized along
// output width (stride 1 and 2 specialized), plus global average/max pooling.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"

namespace lacuna::kernels {

enum class PoolMode { kMax, kAverage };

// Planes [plane_begin, plane_end) of the n*c planes. `s` uses the Conv2dShape geometry fields
// (k is ignored). For averages, `inv_count` holds 1/window-size per output position (oh*ow
// floats), which encodes count_include_pad. `scratch` holds pool2d_scratch_floats(s) floats.
using Pool2dFn = void (*)(const Conv2dShape& s, PoolMode mode, const float* x, float* y, const float* inv_count,
                          int64_t plane_begin, int64_t plane_end, float* scratch);
int64_t pool2d_scratch_floats(const Conv2dShape& s);
Pool2dFn select_pool2d(const CpuInfo& cpu);

// Per-plane global average or max of `size` contiguous floats.
using GlobalPoolFn = void (*)(PoolMode mode, const float* x, float* y, int64_t size, int64_t plane_begin,
                              int64_t plane_end);
GlobalPoolFn select_global_pool(const CpuInfo& cpu);

// 1 / divisor per output position of an average pooling (oh * ow floats into `inv_count`): the
// taps inside the input, or with count_include_pad inside the input plus its pads (pad_b and
// pad_r are the end pads); 0 where no tap counts.
void pool2d_inv_count(const Conv2dShape& s, int64_t pad_b, int64_t pad_r, bool count_include_pad, float* inv_count);

void pool2d_scalar(const Conv2dShape&, PoolMode, const float*, float*, const float*, int64_t, int64_t, float*);
void pool2d_avx2(const Conv2dShape&, PoolMode, const float*, float*, const float*, int64_t, int64_t, float*);
void pool2d_avx512(const Conv2dShape&, PoolMode, const float*, float*, const float*, int64_t, int64_t, float*);
void global_pool_scalar(PoolMode, const float*, float*, int64_t, int64_t, int64_t);
void global_pool_avx2(PoolMode, const float*, float*, int64_t, int64_t, int64_t);
void global_pool_avx512(PoolMode, const float*, float*, int64_t, int64_t, int64_t);

}  // namespace lacuna::kernels
