// ONNX Runtime's quantized elementwise contrib ops (domain com.microsoft): QLinearAdd, QLinearMul,
// QLinearSigmoid, QLinearLeakyRelu and QLinearConcat. Scales and zero points are per tensor.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ref/qlinear.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/quant_common.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// QLinearAdd / QLinearMul(A, A_scale, A_zp?, B, B_scale, B_zp?, C_scale, C_zp?)
template <bool kMul>
class QLinearBinaryKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    const DType t = ctx.dtype(0);
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {t}));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, 0, "A_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, t, 0, "A_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 4, 0, "B_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 5, t, 0, "B_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 6, 0, "C_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 7, t, 0, "C_zero_point"));
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), ctx.shape(3), &out);
    if (!s.is_ok()) return s.with_context(node_);
    ctx.set_output(0, t, std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(3);
    Tensor& c = ctx.output(0);
    const ref::QParams qa = qparams(ctx, 1, 2), qb = qparams(ctx, 4, 5), qc = qparams(ctx, 6, 7);
    if (a.dtype() == DType::kInt8) {
      ref::qlinear_binary(a.data<int8_t>(), a.shape(), qa, b.data<int8_t>(), b.shape(), qb, c.data<int8_t>(),
                          c.shape(), qc, kMul);
    } else {
      ref::qlinear_binary(a.data<uint8_t>(), a.shape(), qa, b.data<uint8_t>(), b.shape(), qb,
                          c.data<uint8_t>(), c.shape(), qc, kMul);
    }
    return Status::ok();
  }
};

// QLinearSigmoid / QLinearLeakyRelu(X, X_scale, X_zp?, Y_scale, Y_zp?)
class QLinearUnaryKernel : public KernelBase {
 public:
  QLinearUnaryKernel(const ir::Node& n, int64_t opset, bool leaky) : KernelBase(n, opset), leaky_(leaky) {}
  Status init() {
    alpha_ = attr_float("alpha", 0.01f);
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, 0, "X_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), 0, "X_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 3, 0, "Y_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 4, ctx.dtype(0), 0, "Y_zero_point"));
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const ref::QParams qx = qparams(ctx, 1, 2), qy = qparams(ctx, 3, 4);
    const float alpha = alpha_;
    const bool leaky = leaky_;
    auto f = [alpha, leaky](float v) {
      if (leaky) return v >= 0.f ? v : v * alpha;
      return v >= 0.f ? 1.f / (1.f + std::exp(-v)) : std::exp(v) / (1.f + std::exp(v));
    };
    if (x.dtype() == DType::kInt8) {
      ref::qlinear_lookup(x.data<int8_t>(), x.numel(), qx, qy, f, y.data<int8_t>());
    } else {
      ref::qlinear_lookup(x.data<uint8_t>(), x.numel(), qx, qy, f, y.data<uint8_t>());
    }
    return Status::ok();
  }

 private:
  bool leaky_;
  float alpha_ = 0.01f;
};

class QLinearSigmoidKernel : public QLinearUnaryKernel {
 public:
  QLinearSigmoidKernel(const ir::Node& n, int64_t opset) : QLinearUnaryKernel(n, opset, false) {}
};
class QLinearLeakyReluKernel : public QLinearUnaryKernel {
 public:
  QLinearLeakyReluKernel(const ir::Node& n, int64_t opset) : QLinearUnaryKernel(n, opset, true) {}
};

// QLinearConcat(Y_scale, Y_zp, X0, X0_scale, X0_zp, X1, ...): inputs are requantized to Y's
// parameters and concatenated along `axis`.
class QLinearConcatKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    axis_ = attr_int("axis", 0);
    if ((num_inputs_ - 2) % 3 != 0 || num_inputs_ < 5) {
      return error("expects Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples");
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 0, 0, "Y_scale"));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt8, DType::kUint8}));
    const DType t = ctx.dtype(1);
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 1, t, 0, "Y_zero_point"));
    Shape out;
    int axis = 0;
    for (int i = 2; i < ctx.num_inputs(); i += 3) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {t}));
      LACUNA_RETURN_IF_ERROR(check_scale(ctx, i + 1, 0, "X_scale"));
      LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, i + 2, t, 0, "X_zero_point"));
      const Shape& s = ctx.shape(i);
      if (i == 2) {
        if (s.empty()) return ctx.bad_input("cannot concatenate scalars");
        LACUNA_ASSIGN_OR_RETURN(axis, normalize_axis(axis_, static_cast<int>(s.size()), node_));
        out = s;
        continue;
      }
      bool ok = s.size() == out.size();
      for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int>(d) == axis || s[d] == out[d];
      if (!ok)
        return ctx.bad_input("input shapes " + shape_to_string(out) + " and " + shape_to_string(s) +
                             " differ");
      out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
    }
    ctx.set_output(0, t, std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + y.rank() : axis_);
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= y.dim(d);
    const int64_t out_row = y.numel() / std::max<int64_t>(outer, 1);
    const ref::QParams qy = qparams(ctx, 0, 1);
    int64_t col = 0;
    std::vector<uint8_t> tmp;
    for (int i = 2; i < ctx.num_inputs(); i += 3) {
      const Tensor& x = ctx.input(i);
      const ref::QParams qx = qparams(ctx, i + 1, i + 2);
      const int64_t row = x.numel() / std::max<int64_t>(outer, 1);
      tmp.resize(static_cast<size_t>(x.numel()));
      if (x.dtype() == DType::kInt8) {
        ref::qlinear_requantize(x.data<int8_t>(), x.numel(), qx, qy, reinterpret_cast<int8_t*>(tmp.data()));
      } else {
        ref::qlinear_requantize(x.data<uint8_t>(), x.numel(), qx, qy, tmp.data());
      }
      auto* yd = static_cast<uint8_t*>(y.raw());
      for (int64_t o = 0; o < outer && row > 0; ++o) {
        std::copy_n(tmp.data() + o * row, row, yd + o * out_row + col);
      }
      col += row;
    }
    return Status::ok();
  }

 private:
  int64_t axis_ = 0;
};

}  // namespace

void register_qlinear_ops(Registry& r) {
  r.add("com.microsoft", "QLinearAdd", make_impl<QLinearBinaryKernel<false>>("qlinear_add_ref"));
  r.add("com.microsoft", "QLinearMul", make_impl<QLinearBinaryKernel<true>>("qlinear_mul_ref"));
  r.add("com.microsoft", "QLinearSigmoid", make_impl<QLinearSigmoidKernel>("qlinear_sigmoid_ref"));
  r.add("com.microsoft", "QLinearLeakyRelu", make_impl<QLinearLeakyReluKernel>("qlinear_leaky_relu_ref"));
  r.add("com.microsoft", "QLinearConcat", make_impl<QLinearConcatKernel>("qlinear_concat_ref"));
}

}  // namespace lacuna::ops
