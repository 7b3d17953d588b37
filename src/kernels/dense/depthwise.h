// Depthwise 2-D convolution in NCHW (groups == channels, one filter per channel), vectorized
// along output width over a zero-padded copy of each input plane.
#pragma once

#include <cstdint>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/epilogue.h"
#include "kernels/dense/padded_plane.h"

namespace lacuna::kernels {

// Planes [plane_begin, plane_end) of the n*C input planes. Weights [C, 1, R, S]; the epilogue's
// row_bias is per channel and its residual shaped like Y. `scratch` holds
// depthwise_scratch_floats(shape) floats (one padded plane).
using DepthwiseFn = void (*)(const Conv2dShape& s, const float* x, const float* w, float* y,
                             const Epilogue& ep, int64_t plane_begin, int64_t plane_end, float* scratch);

int64_t depthwise_scratch_floats(const Conv2dShape& s);
DepthwiseFn select_depthwise(const CpuInfo& cpu);
const char* depthwise_name(const CpuInfo& cpu);

void depthwise_avx512(const Conv2dShape&, const float*, const float*, float*, const Epilogue&, int64_t, int64_t, float*);
void depthwise_avx2(const Conv2dShape&, const float*, const float*, float*, const Epilogue&, int64_t, int64_t, float*);
void depthwise_scalar(const Conv2dShape&, const float*, const float*, float*, const Epilogue&, int64_t, int64_t, float*);


}  // namespace lacuna::kernels
