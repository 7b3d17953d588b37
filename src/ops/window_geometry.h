// Sliding-window attributes shared by Conv, ConvTranspose and the pooling operators
// (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode) and the output sizes they imply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lacuna/status.h"

namespace lacuna::ops {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

Expected<AutoPad> parse_auto_pad(const std::string& s, const std::string& node);

// The attributes as written on the node (empty vectors: attribute absent).
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  bool ceil_mode = false;
};

// Resolved geometry for one input: every vector has one entry per spatial dimension.
struct WindowGeometry {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end, out;
};

// Output sizes of a convolution or pooling window over `in` (spatial dims only) with `kernel`.
// Validates the attribute lengths and values; errors name the node.
Status window_geometry(const WindowAttrs& a, const std::vector<int64_t>& in,
                       const std::vector<int64_t>& kernel, const std::string& node,
                       WindowGeometry* g);

}  // namespace lacuna::ops
