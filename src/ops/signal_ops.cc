// DFT and STFT: which axis and length to transform, one- or two-sided output, real or complex
// input, and the opset differences (DFT's axis became an input in opset 20).
#include "kernels/ref/dft.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/scalar_values.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class DftKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    inverse_ = attr_int("inverse", 0) != 0;
    // onesided keeps bins 0..n/2 of the transform, forward or inverse alike.
    onesided_ = attr_int("onesided", 0) != 0;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    const Shape& x = ctx.shape(0);
    const int r = static_cast<int>(x.size());
    if (r < 2 || (x.back() != 1 && x.back() != 2)) {
      return ctx.bad_input(
          "input must have rank >= 2 with a last dimension of 1 (real) or 2 (complex), not " +
          shape_to_string(x));
    }
    int64_t axis = opset_ >= 20 ? -2 : attr_int("axis", 1);
    if (opset_ >= 20 && ctx.has_input(2)) {
      const Tensor* a = ctx.value(2);
      if (!a) return ctx.needs_value(2);
      LACUNA_ASSIGN_OR_RETURN(axis, scalar_int(*a, node_ + ": axis"));
    }
    if (axis < -r || axis > r - 2 || axis == -1) {
      return ctx.bad_input("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r) +
                           " (the last dimension holds the complex components)");
    }
    axis_ = static_cast<int>(axis < 0 ? axis + r : axis);
    const int64_t len = x[static_cast<size_t>(axis_)];
    n_ = len;
    if (ctx.has_input(1)) {
      const Tensor* v = ctx.value(1);
      if (!v) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(n_, scalar_int(*v, node_ + ": dft_length"));
      if (n_ <= 0) return ctx.bad_input("dft_length must be positive, not " + std::to_string(n_));
    }
    if (onesided_ && x.back() == 2) return ctx.bad_input("a onesided DFT needs a real input");
    Shape y = x;
    y[static_cast<size_t>(axis_)] = onesided_ ? n_ / 2 + 1 : n_;
    y.back() = 2;
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    ref::DftParams p;
    const Shape& s = x.shape();
    for (int i = 0; i < axis_; ++i) p.outer *= s[static_cast<size_t>(i)];
    for (size_t i = static_cast<size_t>(axis_) + 1; i + 1 < s.size(); ++i) p.inner *= s[i];
    p.in_len = s[static_cast<size_t>(axis_)];
    p.in_components = static_cast<int>(s.back());
    p.n = n_;
    p.out_len = y.shape()[static_cast<size_t>(axis_)];
    p.inverse = inverse_;
    if (x.dtype() == DType::kFloat64)
      ref::dft(p, x.data<double>(), y.data<double>());
    else
      ref::dft(p, x.data<float>(), y.data<float>());
    return Status::ok();
  }

 private:
  bool inverse_ = false;
  bool onesided_ = false;
  int axis_ = 1;
  int64_t n_ = 0;
};

class StftKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32, DType::kFloat64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    const Shape& x = ctx.shape(0);
    if (x.size() != 3 || (x[2] != 1 && x[2] != 2)) {
      return ctx.bad_input("signal must be [batch, length, 1 or 2], not " + shape_to_string(x));
    }
    const bool onesided = attr_int("onesided", 1) != 0;
    if (onesided && x[2] == 2) return ctx.bad_input("a onesided STFT needs a real signal");
    const Tensor* step = ctx.value(1);
    if (!step) return ctx.needs_value(1);
    LACUNA_ASSIGN_OR_RETURN(step_, scalar_int(*step, node_ + ": frame_step"));
    if (step_ <= 0) return ctx.bad_input("frame_step must be positive, not " + std::to_string(step_));
    int64_t length = -1;
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
      if (ctx.rank(2) != 1) return ctx.bad_input("window must be 1-D");
      length = ctx.shape(2)[0];
    }
    if (ctx.has_input(3)) {
      const Tensor* fl = ctx.value(3);
      if (!fl) return ctx.needs_value(3);
      LACUNA_ASSIGN_OR_RETURN(int64_t given, scalar_int(*fl, node_ + ": frame_length"));
      if (length >= 0 && given != length) {
        return ctx.bad_input("frame_length " + std::to_string(given) + " differs from the window length " +
                             std::to_string(length));
      }
      length = given;
    }
    if (length < 0) return ctx.bad_input("needs a window or a frame_length");
    if (length == 0 || length > x[1]) {
      return ctx.bad_input("frame_length " + std::to_string(length) + " must be in [1, signal length " +
                           std::to_string(x[1]) + "]");
    }
    length_ = length;
    const int64_t frames = (x[1] - length) / step_ + 1;
    const int64_t bins = onesided ? length / 2 + 1 : length;
    Shape y{x[0], frames, bins, 2};
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    ref::StftParams p;
    p.batch = x.shape()[0];
    p.signal_len = x.shape()[1];
    p.in_components = static_cast<int>(x.shape()[2]);
    p.frame_step = step_;
    p.frame_length = length_;
    p.frames = y.shape()[1];
    p.bins = y.shape()[2];
    const Tensor* window = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    if (x.dtype() == DType::kFloat64) {
      ref::stft(p, x.data<double>(), window ? window->data<double>() : nullptr, y.data<double>());
    } else {
      ref::stft(p, x.data<float>(), window ? window->data<float>() : nullptr, y.data<float>());
    }
    return Status::ok();
  }

 private:
  int64_t step_ = 1;
  int64_t length_ = 0;
};

}  // namespace

void register_signal_ops(Registry& r) {
  r.add("", "DFT", make_impl<DftKernel>("dft_ref"));
  r.add("", "STFT", make_impl<StftKernel>("stft_ref"));
}

}  // namespace lacuna::ops
