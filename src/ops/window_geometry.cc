// Output-size rules of ONNX's windowed operators (the Conv and pooling specifications).
#include "ops/window_geometry.h"

#include <algorithm>

namespace lacuna::ops {

namespace {
// Bounds that keep every size computation below far from int64 overflow.
constexpr int64_t kMaxExtent = int64_t{1} << 31;
}  // namespace

Expected<AutoPad> parse_auto_pad(const std::string& s, const std::string& node) {
  if (s.empty() || s == "NOTSET") return AutoPad::kNotSet;
  if (s == "SAME_UPPER") return AutoPad::kSameUpper;
  if (s == "SAME_LOWER") return AutoPad::kSameLower;
  if (s == "VALID") return AutoPad::kValid;
  return invalid_model(node + ": unknown auto_pad '" + s + "'");
}

Status window_geometry(const WindowAttrs& a, const std::vector<int64_t>& in,
                       const std::vector<int64_t>& kernel, const std::string& node,
                       WindowGeometry* g) {
  const size_t nd = in.size();
  auto fail = [&](const std::string& m) { return invalid_argument(node + ": " + m); };
  if (kernel.size() != nd) return fail("kernel has " + std::to_string(kernel.size()) +
                                       " dimensions, the input has " + std::to_string(nd) + " spatial dimensions");
  auto per_dim = [&](const std::vector<int64_t>& v, int64_t def, const char* name,
                     std::vector<int64_t>* out) -> Status {
    if (v.empty()) {
      out->assign(nd, def);
    } else if (v.size() != nd) {
      return fail(std::string(name) + " has " + std::to_string(v.size()) + " values, expected " +
                  std::to_string(nd));
    } else {
      *out = v;
    }
    return Status::ok();
  };
  g->kernel = kernel;
  LACUNA_RETURN_IF_ERROR(per_dim(a.strides, 1, "strides", &g->strides));
  LACUNA_RETURN_IF_ERROR(per_dim(a.dilations, 1, "dilations", &g->dilations));
  if (!a.pads.empty() && a.pads.size() != 2 * nd) {
    return fail("pads has " + std::to_string(a.pads.size()) + " values, expected " +
                std::to_string(2 * nd));
  }
  g->pads_begin.assign(nd, 0);
  g->pads_end.assign(nd, 0);
  g->out.assign(nd, 0);
  for (size_t d = 0; d < nd; ++d) {
    const int64_t k = kernel[d], s = g->strides[d], dil = g->dilations[d];
    if (k <= 0 || s <= 0 || dil <= 0) {
      return fail("kernel, strides and dilations must be positive (dimension " + std::to_string(d) + ")");
    }
    if (k > kMaxExtent || dil > kMaxExtent || s > kMaxExtent) return fail("kernel, stride or dilation too large");
    const int64_t ext = (k - 1) * dil + 1;  // the dilated kernel's extent
    switch (a.auto_pad) {
      case AutoPad::kNotSet: {
        if (!a.pads.empty()) {
          g->pads_begin[d] = a.pads[d];
          g->pads_end[d] = a.pads[d + nd];
          if (g->pads_begin[d] < 0 || g->pads_end[d] < 0) return fail("pads must be non-negative");
          if (g->pads_begin[d] > kMaxExtent || g->pads_end[d] > kMaxExtent) return fail("pads too large");
        }
        const int64_t span = in[d] + g->pads_begin[d] + g->pads_end[d] - ext;
        if (span < 0) {
          return fail("kernel extent " + std::to_string(ext) + " exceeds the padded input size " +
                      std::to_string(in[d] + g->pads_begin[d] + g->pads_end[d]));
        }
        int64_t o = span / s + 1;
        if (a.ceil_mode) {
          o = (span + s - 1) / s + 1;
          // A window may not start inside the end padding.
          if ((o - 1) * s >= in[d] + g->pads_begin[d]) --o;
        }
        g->out[d] = o;
        break;
      }
      case AutoPad::kValid: {
        const int64_t span = in[d] - ext;
        if (span < 0) return fail("kernel extent exceeds the input size");
        g->out[d] = span / s + 1;
        break;
      }
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        const int64_t o = (in[d] + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (o - 1) * s + ext - in[d]);
        const int64_t small = total / 2;
        g->pads_begin[d] = a.auto_pad == AutoPad::kSameUpper ? small : total - small;
        g->pads_end[d] = total - g->pads_begin[d];
        g->out[d] = o;
        break;
      }
    }
  }
  return Status::ok();
}

}  // namespace lacuna::ops
