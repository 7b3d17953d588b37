// Helpers shared by the quantized operators: reading scales and zero points, which may be
// per-tensor (one element) or per-channel (1-D).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ref/qlinear.h"
#include "ops/common.h"

namespace lacuna::ops {

bool is_quant8(DType t);  // int8 or uint8

// Checks at infer time that input i is a float32 scale of `expect` elements; expect 0 means
// "one element", and a 1-D tensor of `expect` elements is accepted when expect > 0 (a
// one-element tensor is always accepted).
Status check_scale(const InferContext& ctx, int i, int64_t channels, const std::string& what);
// Checks that optional zero-point input i (if present) has dtype `dtype` and the same element
// count rules as check_scale.
Status check_zero_point(const InferContext& ctx, int i, DType dtype, int64_t channels,
                        const std::string& what);

// One channel's scale (float) or zero point (as int32; 0 when omitted), a one-element tensor
// repeating for every channel. No allocation (for run()).
float scale_at(const Tensor& t, int64_t channel);
int32_t zero_point_at(const Tensor* t, int64_t channel);

// Per-tensor parameters from a scale input and an optional zero-point input (-1 or omitted: 0).
kernels::ref::QParams qparams(const RunContext& ctx, int scale, int zero_point);

// The output dtype given an optional zero-point input (uint8 when omitted).
DType zero_point_dtype(const InferContext& ctx, int i);

// The spatial geometry of a convolution or pooling window.
struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end, out;
};

// Output sizes and padding for spatial input sizes `in` following ONNX's rules: auto_pad
// (NOTSET, SAME_UPPER, SAME_LOWER, VALID), explicit pads [begin..., end...], and ceil_mode for
// pools. Empty strides/dilations/pads default to 1/1/0.
Expected<Window> window_geometry(const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                                 std::vector<int64_t> strides, std::vector<int64_t> dilations,
                                 const std::vector<int64_t>& pads, const std::string& auto_pad,
                                 bool ceil_mode, const std::string& node);

}  // namespace lacuna::ops
