// Integer convolutions: ConvInteger (int32 out) and QLinearConv (requantized 8-bit out, per-channel
// weight scales, int32 bias). Both run the reference im2col + integer GEMM kernel.
#include <vector>

#include "kernels/ref/qconv.h"
#include "kernels/ref/quantize.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/quant_common.h"
#include "ops/registry.h"
#include "ops/run_buffer.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Input positions of x and w, which differ between the two ops.
struct ConvInputs {
  int x, w;
};

class QConvBase : public KernelBase {
 public:
  QConvBase(const ir::Node& n, int64_t opset, ConvInputs in) : KernelBase(n, opset), in_(in) {}

  Status init() {
    group_ = attr_int("group", 1);
    if (group_ <= 0) return error("group must be positive");
    auto_pad_ = attr_string("auto_pad", "NOTSET");
    kernel_shape_ = attr_ints("kernel_shape");
    strides_ = attr_ints("strides");
    dilations_ = attr_ints("dilations");
    pads_ = attr_ints("pads");
    return Status::ok();
  }

 protected:
  // Validates x and w and computes the geometry; used by infer (from shapes) and run.
  Expected<ref::ConvShape> geometry(const Shape& x, const Shape& w) const {
    if (x.size() < 3) return bad_input("input must be [N, C, spatial...], got " + shape_to_string(x));
    if (w.size() != x.size()) {
      return bad_input("weight shape " + shape_to_string(w) + " does not match input " + shape_to_string(x));
    }
    ref::ConvShape s;
    s.batch = x[0];
    s.in_channels = x[1];
    s.out_channels = w[0];
    s.group = group_;
    if (s.in_channels % group_ != 0 || s.in_channels / group_ != w[1] || s.out_channels % group_ != 0) {
      return bad_input("channels do not match: input " + shape_to_string(x) + ", weight " +
                       shape_to_string(w) + ", group " + std::to_string(group_));
    }
    s.in_size.assign(x.begin() + 2, x.end());
    s.kernel.assign(w.begin() + 2, w.end());
    if (!kernel_shape_.empty() && kernel_shape_ != s.kernel) {
      return error("kernel_shape does not match the weight's shape " + shape_to_string(w));
    }
    LACUNA_ASSIGN_OR_RETURN(Window win, window_geometry(s.in_size, s.kernel, strides_, dilations_, pads_,
                                                        auto_pad_, false, node_));
    s.out_size = win.out;
    s.strides = win.strides;
    s.dilations = win.dilations;
    s.pads_begin = win.pads_begin;
    return s;
  }

  Expected<Shape> output_shape(const InferContext& ctx) const {
    LACUNA_ASSIGN_OR_RETURN(ref::ConvShape s, geometry(ctx.shape(in_.x), ctx.shape(in_.w)));
    Shape out{s.batch, s.out_channels};
    out.insert(out.end(), s.out_size.begin(), s.out_size.end());
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status());
    return out;
  }

  // The scratch layout of run(): [acc (QLinearConv)] [w_zp] [mult] [conv_integer workspace],
  // each part 64-byte aligned.
  struct Layout {
    size_t w_zp = 0, mult = 0, conv = 0, total = 0;
  };
  static Layout layout(const ref::ConvShape& s, size_t acc_bytes, size_t x_bytes) {
    Layout l;
    const size_t m = static_cast<size_t>(s.out_channels);
    l.w_zp = RunBuffer::align64(acc_bytes);
    l.mult = l.w_zp + RunBuffer::align64(m * sizeof(int32_t));
    l.conv = l.mult + RunBuffer::align64(m * sizeof(float));
    l.total = l.conv + ref::conv_integer_workspace_bytes(s, x_bytes);
    return l;
  }

  // Sizes the scratch when shapes are known at prepare time (the geometry is kept for run()).
  void plan_scratch(PrepareContext& ctx, bool with_acc) {
    planned_ = RunBuffer::can_plan(ctx) && ctx.inputs[in_.w].shape != nullptr;
    if (!planned_) return;
    auto s = geometry(ctx.shape(in_.x), ctx.shape(in_.w));
    if (!s) {
      planned_ = false;
      return;
    }
    shape_ = *s;
    const size_t acc = with_acc ? static_cast<size_t>(numel(ctx.outputs[0].shape)) * sizeof(int32_t) : 0;
    ctx.scratch_bytes = layout(shape_, acc, 1).total;
  }

  // int32 accumulators of conv(x - x_zp, w - w_zp) into acc (sized like the output). w_zp is
  // filled from `w_zp_input` (may be null) into the scratch; returns the scratch base so the
  // caller can reach the other parts.
  Status accumulate(const RunContext& ctx, const Tensor& x, int32_t x_zp, const Tensor& w,
                    const Tensor* w_zp_input, bool with_acc, int32_t* acc_out, char** scratch,
                    Layout* l, ref::ConvShape* local, RunBuffer* heap) const {
    if (!planned_) {
      LACUNA_ASSIGN_OR_RETURN(*local, geometry(x.shape(), w.shape()));
    }
    const ref::ConvShape& s = planned_ ? shape_ : *local;
    const size_t acc_bytes = with_acc ? static_cast<size_t>(numel(ctx.output(0).shape())) * sizeof(int32_t) : 0;
    *l = layout(s, acc_bytes, 1);
    *heap = RunBuffer(ctx, planned_, l->total);  // the planned scratch, or heap memory
    *scratch = heap->as<char>();
    int32_t* w_zp = reinterpret_cast<int32_t*>(*scratch + l->w_zp);
    for (int64_t c = 0; c < s.out_channels; ++c) w_zp[c] = zero_point_at(w_zp_input, c);
    int32_t* acc = with_acc ? reinterpret_cast<int32_t*>(*scratch) : acc_out;
    void* work = *scratch + l->conv;
    const bool xs = x.dtype() == DType::kInt8, ws = w.dtype() == DType::kInt8;
    if (xs && ws) {
      ref::conv_integer(x.data<int8_t>(), x_zp, w.data<int8_t>(), w_zp, s, acc, work);
    } else if (xs) {
      ref::conv_integer(x.data<int8_t>(), x_zp, w.data<uint8_t>(), w_zp, s, acc, work);
    } else if (ws) {
      ref::conv_integer(x.data<uint8_t>(), x_zp, w.data<int8_t>(), w_zp, s, acc, work);
    } else {
      ref::conv_integer(x.data<uint8_t>(), x_zp, w.data<uint8_t>(), w_zp, s, acc, work);
    }
    return Status::ok();
  }

  bool planned_ = false;
  ref::ConvShape shape_;  // when planned_
  ConvInputs in_;
  int64_t group_ = 1;
  std::string auto_pad_;
  std::vector<int64_t> kernel_shape_, strides_, dilations_, pads_;
};

// ConvInteger(x, w, x_zero_point?, w_zero_point?) -> int32
class ConvIntegerKernel : public QConvBase {
 public:
  ConvIntegerKernel(const ir::Node& n, int64_t opset) : QConvBase(n, opset, {0, 1}) {}
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt8, DType::kUint8}));
    LACUNA_ASSIGN_OR_RETURN(Shape out, output_shape(ctx));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), 0, "x_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 3, ctx.dtype(1), ctx.shape(1)[0], "w_zero_point"));
    ctx.set_output(0, DType::kInt32, std::move(out));
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override {
    plan_scratch(ctx, false);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const int32_t x_zp = zero_point_at(ctx.has_input(2) ? &ctx.input(2) : nullptr, 0);
    char* scratch = nullptr;
    Layout l;
    ref::ConvShape s;
    RunBuffer heap;
    return accumulate(ctx, ctx.input(0), x_zp, ctx.input(1), ctx.has_input(3) ? &ctx.input(3) : nullptr, false,
                      ctx.output(0).data<int32_t>(), &scratch, &l, &s, &heap);
  }
};

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) -> 8-bit y
class QLinearConvKernel : public QConvBase {
 public:
  QLinearConvKernel(const ir::Node& n, int64_t opset) : QConvBase(n, opset, {0, 3}) {}
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {DType::kInt8, DType::kUint8}));
    LACUNA_ASSIGN_OR_RETURN(Shape out, output_shape(ctx));
    const int64_t m = ctx.shape(3)[0];
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, 0, "x_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), 0, "x_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 4, m, "w_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 5, ctx.dtype(3), m, "w_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 6, 0, "y_scale"));
    const DType yt = zero_point_dtype(ctx, 7);
    if (!is_quant8(yt)) return dtype_not_supported(yt);
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 7, yt, 0, "y_zero_point"));
    if (ctx.has_input(8)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(8, {DType::kInt32}));
      if (ctx.shape(8) != Shape{m}) return ctx.bad_input("bias must have shape [" + std::to_string(m) + "]");
    }
    ctx.set_output(0, yt, std::move(out));
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override {
    plan_scratch(ctx, true);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& w = ctx.input(3);
    Tensor& y = ctx.output(0);
    const int64_t m = w.dim(0);
    const int32_t x_zp = zero_point_at(ctx.has_input(2) ? &ctx.input(2) : nullptr, 0);
    char* scratch = nullptr;
    Layout l;
    ref::ConvShape s;
    RunBuffer heap;
    LACUNA_RETURN_IF_ERROR(accumulate(ctx, ctx.input(0), x_zp, w, ctx.has_input(5) ? &ctx.input(5) : nullptr, true,
                                      nullptr, &scratch, &l, &s, &heap));
    const int32_t* acc = reinterpret_cast<const int32_t*>(scratch);

    // Requantize in float like ONNX Runtime: multiplier = x_scale * w_scale[m] / y_scale.
    const float x_scale = ctx.input(1).data<float>()[0];
    const float y_scale = ctx.input(6).data<float>()[0];
    const int32_t y_zp = zero_point_at(ctx.has_input(7) ? &ctx.input(7) : nullptr, 0);
    const int32_t* bias = ctx.has_input(8) ? ctx.input(8).data<int32_t>() : nullptr;
    float* mult = reinterpret_cast<float*>(scratch + l.mult);
    for (int64_t c = 0; c < m; ++c) mult[c] = x_scale * scale_at(ctx.input(4), c) / y_scale;
    const int64_t batch = y.dim(0);
    const int64_t spatial = m == 0 || batch == 0 ? 0 : y.numel() / (batch * m);
    if (y.dtype() == DType::kInt8) {
      ref::requantize_channels(acc, batch, m, spatial, bias, mult, y_zp, y.data<int8_t>());
    } else {
      ref::requantize_channels(acc, batch, m, spatial, bias, mult, y_zp, y.data<uint8_t>());
    }
    return Status::ok();
  }
};

}  // namespace

void register_qconv_ops(Registry& r) {
  r.add("", "ConvInteger", make_impl<ConvIntegerKernel>("conv_integer_ref"));
  r.add("", "QLinearConv", make_impl<QLinearConvKernel>("qlinear_conv_ref"));
}

}  // namespace lacuna::ops
