// ONNX Runtime's quantized pooling contrib ops (domain com.microsoft): QLinearGlobalAveragePool and
// QLinearAveragePool, NCHW or channels-last (NHWC).
#include <vector>

#include "kernels/ref/qpool.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/quant_common.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Both ops read (X, X_scale, X_zp?, Y_scale, Y_zp?) and the channels_last attribute.
class QPoolBase : public KernelBase {
 public:
  using KernelBase::KernelBase;

 protected:
  Status check_inputs(const InferContext& ctx) const {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    if (ctx.rank(0) < 3)
      return ctx.bad_input("input must have rank >= 3, got " + shape_to_string(ctx.shape(0)));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, 0, "x_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), 0, "x_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 3, 0, "y_scale"));
    return check_zero_point(ctx, 4, ctx.dtype(0), 0, "y_zero_point");
  }
  // Splits x's shape into batch, channels and spatial sizes.
  void split(const Shape& x, int64_t* batch, int64_t* channels, std::vector<int64_t>* spatial) const {
    *batch = x[0];
    *channels = channels_last_ ? x.back() : x[1];
    spatial->assign(x.begin() + (channels_last_ ? 1 : 2), x.end() - (channels_last_ ? 1 : 0));
  }
  // [N, C, spatial...] or [N, spatial..., C].
  Shape join(int64_t batch, int64_t channels, const std::vector<int64_t>& spatial) const {
    Shape s{batch};
    if (!channels_last_) s.push_back(channels);
    s.insert(s.end(), spatial.begin(), spatial.end());
    if (channels_last_) s.push_back(channels);
    return s;
  }

  bool channels_last_ = false;
};

class QLinearGlobalAveragePoolKernel : public QPoolBase {
 public:
  using QPoolBase::QPoolBase;
  Status init() {
    channels_last_ = attr_int("channels_last", 0) != 0;
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    int64_t n, c;
    std::vector<int64_t> spatial;
    split(ctx.shape(0), &n, &c, &spatial);
    for (int64_t& d : spatial) {
      if (d == 0) return ctx.bad_input("cannot average over an empty spatial extent");
      d = 1;
    }
    ctx.set_output(0, ctx.dtype(0), join(n, c, spatial));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t n = x.dim(0), c = channels_last_ ? x.dim(-1) : x.dim(1);
    int64_t s = 1;  // the spatial volume
    for (int d = channels_last_ ? 1 : 2; d < x.rank() - (channels_last_ ? 1 : 0); ++d) s *= x.dim(d);
    const ref::QParams qx = qparams(ctx, 1, 2), qy = qparams(ctx, 3, 4);
    if (x.dtype() == DType::kInt8) {
      ref::qlinear_global_avg_pool(x.data<int8_t>(), n, c, s, channels_last_, qx, qy, y.data<int8_t>());
    } else {
      ref::qlinear_global_avg_pool(x.data<uint8_t>(), n, c, s, channels_last_, qx, qy, y.data<uint8_t>());
    }
    return Status::ok();
  }
};

class QLinearAveragePoolKernel : public QPoolBase {
 public:
  using QPoolBase::QPoolBase;
  Status init() {
    channels_last_ = attr_int("channels_last", 0) != 0;
    kernel_ = attr_ints("kernel_shape");
    if (kernel_.empty()) return error("kernel_shape is required");
    strides_ = attr_ints("strides");
    pads_ = attr_ints("pads");
    auto_pad_ = attr_string("auto_pad", "NOTSET");
    ceil_mode_ = attr_int("ceil_mode", 0) != 0;
    count_include_pad_ = attr_int("count_include_pad", 0) != 0;
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    LACUNA_ASSIGN_OR_RETURN(ref::PoolShape s, geometry(ctx.shape(0)));
    Shape out = join(s.batch, s.channels, s.out_size);
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status());
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override {
    // Static shapes: the window geometry is computed once, not per run (run() does not allocate).
    if (ctx.inputs[0].shape) {
      LACUNA_ASSIGN_OR_RETURN(shape_, geometry(ctx.shape(0)));
      planned_ = true;
    }
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    ref::PoolShape local;
    if (!planned_) {
      LACUNA_ASSIGN_OR_RETURN(local, geometry(x.shape()));
    }
    const ref::PoolShape& s = planned_ ? shape_ : local;
    const ref::QParams qx = qparams(ctx, 1, 2), qy = qparams(ctx, 3, 4);
    if (x.dtype() == DType::kInt8) {
      ref::qlinear_avg_pool(x.data<int8_t>(), s, qx, qy, y.data<int8_t>());
    } else {
      ref::qlinear_avg_pool(x.data<uint8_t>(), s, qx, qy, y.data<uint8_t>());
    }
    return Status::ok();
  }

 private:
  ref::PoolShape shape_;  // from prepare() when the input shape is static
  bool planned_ = false;

  Expected<ref::PoolShape> geometry(const Shape& x) const {
    ref::PoolShape s;
    split(x, &s.batch, &s.channels, &s.in_size);
    if (kernel_.size() != s.in_size.size()) {
      return error("kernel_shape has " + std::to_string(kernel_.size()) + " dims for input " +
                   shape_to_string(x));
    }
    LACUNA_ASSIGN_OR_RETURN(
        Window w, window_geometry(s.in_size, kernel_, strides_, {}, pads_, auto_pad_, ceil_mode_, node_));
    s.channels_last = channels_last_;
    s.count_include_pad = count_include_pad_;
    s.kernel = w.kernel;
    s.out_size = w.out;
    s.strides = w.strides;
    s.pads_begin = w.pads_begin;
    s.pads_end = w.pads_end;
    return s;
  }

  std::vector<int64_t> kernel_, strides_, pads_;
  std::string auto_pad_;
  bool ceil_mode_ = false;
  bool count_include_pad_ = false;
};

}  // namespace

void register_qpool_ops(Registry& r) {
  r.add("com.microsoft", "QLinearGlobalAveragePool",
        make_impl<QLinearGlobalAveragePoolKernel>("qlinear_global_average_pool_ref"));
  r.add("com.microsoft", "QLinearAveragePool",
        make_impl<QLinearAveragePoolKernel>("qlinear_average_pool_ref"));
}

}  // namespace lacuna::ops
