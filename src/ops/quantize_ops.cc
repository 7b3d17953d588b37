// QuantizeLinear, DequantizeLinear (per-tensor; per-axis from opset 13) and DynamicQuantizeLinear.
#include <vector>

#include "core/dispatch.h"
#include "kernels/ref/quantize.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/quant_common.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// [outer, channels, inner] around the quantization axis; channels == 1 for per-tensor.
// QuantizeLinear's input: float32, or int32 (quantized through float, like ONNX Runtime).
template <class F>
void visit_quant_input(const Tensor& x, F&& f) {
  if (x.dtype() == DType::kInt32) f(x.data<int32_t>());
  else f(x.data<float>());
}

struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};

// Shared by QuantizeLinear and DequantizeLinear: the axis attribute and the scale layout.
class LinearQuantBase : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    if (attr_int("block_size", 0) != 0) return not_supported("blocked quantization is not supported");
    axis_ = attr_int("axis", 1);
    return Status::ok();
  }

 protected:
  // Validates scale (input 1) and zero point (input 2) against x's shape.
  Status check_params(const InferContext& ctx, DType zp_dtype) const {
    const Shape& x = ctx.shape(0);
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kFloat32}));
    const bool per_axis = ctx.rank(1) == 1 && numel(ctx.shape(1)) != 1;
    int64_t channels = 0;
    if (per_axis) {
      if (opset_ < 13) return ctx.bad_input("per-axis quantization needs opset 13");
      if (x.empty()) return ctx.bad_input("per-axis quantization of a scalar");
      LACUNA_ASSIGN_OR_RETURN(int axis, normalize_axis(axis_, static_cast<int>(x.size()), node_));
      channels = x[static_cast<size_t>(axis)];
    }
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, channels, "scale"));
    return check_zero_point(ctx, 2, zp_dtype, channels, "zero point");
  }

  AxisSplit split(const Tensor& x, const Tensor& scale) const {
    AxisSplit s;
    if (scale.numel() == 1) {
      s.outer = x.numel();
      return s;
    }
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + x.rank() : axis_);
    for (int d = 0; d < axis; ++d) s.outer *= x.dim(d);
    s.channels = x.dim(axis);
    for (int d = axis + 1; d < x.rank(); ++d) s.inner *= x.dim(d);
    return s;
  }

  int64_t axis_ = 1;
};

class QuantizeLinearKernel : public LinearQuantBase {
 public:
  using LinearQuantBase::LinearQuantBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kInt32}));
    const DType out = zero_point_dtype(ctx, 2);
    if (!is_quant8(out)) return dtype_not_supported(out);
    LACUNA_RETURN_IF_ERROR(check_params(ctx, out));
    ctx.set_output(0, out, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    Tensor& y = ctx.output(0);
    const AxisSplit s = split(x, scale);
    // The parameters are read in place: run() does not allocate.
    auto scale_of = [&](int64_t c) { return scale_at(scale, c); };
    auto zero_point_of = [&](int64_t c) { return zero_point_at(zp, c); };
    visit_quant_input(x, [&](const auto* xp) {
      if (y.dtype() == DType::kInt8) {
        ref::quantize_linear(xp, s.outer, s.channels, s.inner, scale_of, zero_point_of, y.data<int8_t>());
      } else {
        ref::quantize_linear(xp, s.outer, s.channels, s.inner, scale_of, zero_point_of, y.data<uint8_t>());
      }
    });
    return Status::ok();
  }
};

class DequantizeLinearKernel : public LinearQuantBase {
 public:
  using LinearQuantBase::LinearQuantBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8, DType::kInt32}));
    LACUNA_RETURN_IF_ERROR(check_params(ctx, ctx.dtype(0)));
    ctx.set_output(0, DType::kFloat32, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    float* y = ctx.output(0).data<float>();
    const AxisSplit s = split(x, scale);
    // The parameters are read in place: run() does not allocate.
    auto scale_of = [&](int64_t c) { return scale_at(scale, c); };
    auto zero_point_of = [&](int64_t c) { return zero_point_at(zp, c); };
    switch (x.dtype()) {
      case DType::kInt8:
        ref::dequantize_linear(x.data<int8_t>(), s.outer, s.channels, s.inner, scale_of, zero_point_of, y);
        break;
      case DType::kUint8:
        ref::dequantize_linear(x.data<uint8_t>(), s.outer, s.channels, s.inner, scale_of, zero_point_of, y);
        break;
      default:
        ref::dequantize_linear(x.data<int32_t>(), s.outer, s.channels, s.inner, scale_of, zero_point_of, y);
        break;
    }
    return Status::ok();
  }
};

class DynamicQuantizeLinearKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    ctx.set_output(0, DType::kUint8, ctx.shape(0));
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) ctx.set_output(1, DType::kFloat32, {});
    if (ctx.num_outputs() > 2 && ctx.outputs[2].wanted) ctx.set_output(2, DType::kUint8, {});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    float scale = 0;
    uint8_t zp = 0;
    ref::dynamic_quant_params(x.data<float>(), x.numel(), &scale, &zp);
    uint8_t* y = ctx.output(0).data<uint8_t>();
    const int32_t z = zp;
    if (scale == 0.f) {
      for (int64_t i = 0; i < x.numel(); ++i) y[i] = zp;
    } else {
      ref::quantize_linear(x.data<float>(), 1, 1, x.numel(), [scale](int64_t) { return scale; },
                           [z](int64_t) { return z; }, y);
    }
    if (ctx.has_output(1)) ctx.output(1).data<float>()[0] = scale;
    if (ctx.has_output(2)) ctx.output(2).data<uint8_t>()[0] = zp;
    return Status::ok();
  }
};

}  // namespace

void register_quantize_ops(Registry& r) {
  r.add("", "QuantizeLinear", make_impl<QuantizeLinearKernel>("quantize_linear_ref"));
  r.add("", "DequantizeLinear", make_impl<DequantizeLinearKernel>("dequantize_linear_ref"));
  r.add("", "DynamicQuantizeLinear", make_impl<DynamicQuantizeLinearKernel>("dynamic_quantize_linear_ref"));
}

}  // namespace lacuna::ops
