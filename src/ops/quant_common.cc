// Scale and zero-point helpers for the quantized operators.
#include "ops/quant_common.h"

#include <algorithm>

namespace lacuna::ops {

bool is_quant8(DType t) { return t == DType::kInt8 || t == DType::kUint8; }

namespace {

Status check_count(const InferContext& ctx, int i, int64_t channels, const std::string& what) {
  const Shape& s = ctx.shape(i);
  const int64_t n = numel(s);
  if (n == 1 && s.size() <= 1) return Status::ok();
  if (channels > 0 && s.size() == 1 && n == channels) return Status::ok();
  return ctx.bad_input(what + " has shape " + shape_to_string(s) + "; expected one element" +
                       (channels > 0 ? " or [" + std::to_string(channels) + "]" : std::string()));
}

}  // namespace

Status check_scale(const InferContext& ctx, int i, int64_t channels, const std::string& what) {
  LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32}));
  return check_count(ctx, i, channels, what);
}

Status check_zero_point(const InferContext& ctx, int i, DType dtype, int64_t channels,
                        const std::string& what) {
  if (!ctx.has_input(i)) return Status::ok();
  LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {dtype}));
  return check_count(ctx, i, channels, what);
}

float scale_at(const Tensor& t, int64_t channel) { return t.data<float>()[t.numel() == 1 ? 0 : channel]; }

int32_t zero_point_at(const Tensor* t, int64_t channel) {
  if (!t || t->numel() == 0) return 0;
  const int64_t i = t->numel() == 1 ? 0 : channel;
  switch (t->dtype()) {
    case DType::kInt8: return t->data<int8_t>()[i];
    case DType::kUint8: return t->data<uint8_t>()[i];
    case DType::kInt16: return t->data<int16_t>()[i];
    case DType::kUint16: return t->data<uint16_t>()[i];
    case DType::kInt32: return t->data<int32_t>()[i];
    default: return static_cast<int32_t>(t->to_int64_vector()[static_cast<size_t>(i)]);
  }
}

kernels::ref::QParams qparams(const RunContext& ctx, int scale, int zero_point) {
  kernels::ref::QParams q;
  q.scale = ctx.input(scale).data<float>()[0];
  if (zero_point >= 0 && ctx.has_input(zero_point)) {
    q.zero_point = zero_point_at(&ctx.input(zero_point), 0);
  }
  return q;
}

DType zero_point_dtype(const InferContext& ctx, int i) {
  return ctx.has_input(i) ? ctx.dtype(i) : DType::kUint8;
}

Expected<Window> window_geometry(const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                                 std::vector<int64_t> strides, std::vector<int64_t> dilations,
                                 const std::vector<int64_t>& pads, const std::string& auto_pad,
                                 bool ceil_mode, const std::string& node) {
  const size_t nd = in.size();
  if (strides.empty()) strides.assign(nd, 1);
  if (dilations.empty()) dilations.assign(nd, 1);
  auto bad = [&](const std::string& m) { return invalid_model(node + ": " + m); };
  if (kernel.size() != nd || strides.size() != nd || dilations.size() != nd) {
    return bad("kernel_shape, strides and dilations need " + std::to_string(nd) + " values");
  }
  if (!pads.empty() && pads.size() != 2 * nd) return bad("pads needs " + std::to_string(2 * nd) + " values");
  Window w;
  w.kernel = kernel;
  w.strides = strides;
  w.dilations = dilations;
  w.pads_begin.assign(nd, 0);
  w.pads_end.assign(nd, 0);
  w.out.assign(nd, 0);
  // Bounding the attributes keeps every product below int64 overflow.
  constexpr int64_t kLimit = int64_t{1} << 31;
  for (int64_t p : pads) {
    if (p < 0 || p > kLimit) return bad("pads must be in [0, 2^31]");
  }
  for (size_t d = 0; d < nd; ++d) {
    if (kernel[d] <= 0 || strides[d] <= 0 || dilations[d] <= 0 || kernel[d] > kLimit || strides[d] > kLimit ||
        dilations[d] > kLimit) {
      return bad("kernel sizes, strides and dilations must be in [1, 2^31]");
    }
    const int64_t span = (kernel[d] - 1) * dilations[d] + 1;
    const int64_t s = strides[d];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[d] = (in[d] + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (w.out[d] - 1) * s + span - in[d]);
      w.pads_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pads_end[d] = total - w.pads_begin[d];
      continue;
    }
    if (auto_pad == "VALID") {
      w.out[d] = in[d] >= span ? (in[d] - span) / s + 1 : 0;
    } else if (auto_pad == "NOTSET" || auto_pad.empty()) {
      if (!pads.empty()) {
        w.pads_begin[d] = pads[d];
        w.pads_end[d] = pads[d + nd];
      }
      const int64_t room = in[d] + w.pads_begin[d] + w.pads_end[d] - span;
      if (room < 0) {
        w.out[d] = 0;
      } else if (ceil_mode) {
        w.out[d] = (room + s - 1) / s + 1;
        // The last window must start inside the input or its leading padding.
        if ((w.out[d] - 1) * s >= in[d] + w.pads_begin[d]) --w.out[d];
      } else {
        w.out[d] = room / s + 1;
      }
    } else {
      return bad("unknown auto_pad '" + auto_pad + "'");
    }
  }
  for (size_t d = 0; d < nd; ++d) {
    if (w.out[d] <= 0 && in[d] > 0) {
      return invalid_argument(node + ": the window does not fit in the input (spatial dim " +
                              std::to_string(d) + " of size " + std::to_string(in[d]) + ")");
    }
  }
  return w;
}

}  // namespace lacuna::ops
