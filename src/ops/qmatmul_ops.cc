// Integer matrix products with numpy-style batch broadcasting: MatMulInteger (int32 out) and
// QLinearMatMul (requantized 8-bit out). Zero points and scales are per tensor, per row of A or
// per column of B.
#include <vector>

#include "kernels/ref/broadcast.h"
#include "kernels/ref/qgemm.h"
#include "kernels/ref/quantize.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/matmul_dims.h"
#include "ops/quant_common.h"
#include "ops/registry.h"
#include "ops/run_buffer.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// acc[batch..., M, N] = (A - a_zp[m]) x (B - b_zp[n]) for each (broadcast) batch entry.
void batched_qgemm(const Tensor& a, const Tensor& b, const MatMulDims& d, const std::vector<int32_t>& a_zp,
                   const std::vector<int32_t>& b_zp, int32_t* acc) {
  const std::array<std::vector<int64_t>, 2> strides = {ref::broadcast_strides(d.a_batch, d.batch),
                                                       ref::broadcast_strides(d.b_batch, d.batch)};
  auto one = [&](int64_t o, const std::array<int64_t, 2>& p) {
    auto run = [&](const auto* ap, const auto* bp) {
      ref::qgemm_s32(d.m, d.n, d.k, ap + p[0] * d.m * d.k, d.k, a_zp.data(), bp + p[1] * d.k * d.n, d.n,
                     b_zp.data(), acc + o * d.m * d.n, d.n);
    };
    const bool as = a.dtype() == DType::kInt8, bs = b.dtype() == DType::kInt8;
    if (as && bs) {
      run(a.data<int8_t>(), b.data<int8_t>());
    } else if (as) {
      run(a.data<int8_t>(), b.data<uint8_t>());
    } else if (bs) {
      run(a.data<uint8_t>(), b.data<int8_t>());
    } else {
      run(a.data<uint8_t>(), b.data<uint8_t>());
    }
  };
  if (d.batch.empty()) {
    one(0, {0, 0});
  } else {
    ref::for_each_broadcast<2>(d.batch, strides, one);
  }
}

class MatMulIntegerKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt8, DType::kUint8}));
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.shape(0), ctx.shape(1), node_));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), d.m, "a_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 3, ctx.dtype(1), d.n, "b_zero_point"));
    ctx.set_output(0, DType::kInt32, d.out);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(a.shape(), b.shape(), node_));
    const auto a_zp = zero_point_values(ctx.has_input(2) ? &ctx.input(2) : nullptr, d.m);
    const auto b_zp = zero_point_values(ctx.has_input(3) ? &ctx.input(3) : nullptr, d.n);
    batched_qgemm(a, b, d, a_zp, b_zp, ctx.output(0).data<int32_t>());
    return Status::ok();
  }
};

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)
class QLinearMatMulKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {DType::kInt8, DType::kUint8}));
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.shape(0), ctx.shape(3), node_));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 1, d.m, "a_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), d.m, "a_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 4, d.n, "b_scale"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 5, ctx.dtype(3), d.n, "b_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_scale(ctx, 6, 0, "y_scale"));
    const DType yt = zero_point_dtype(ctx, 7);
    if (!is_quant8(yt)) return dtype_not_supported(yt);
    ctx.set_output(0, yt, d.out);
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override {
    planned_ = RunBuffer::can_plan(ctx);
    if (planned_) ctx.scratch_bytes = static_cast<size_t>(numel(ctx.outputs[0].shape)) * sizeof(int32_t);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(3);
    Tensor& y = ctx.output(0);
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(a.shape(), b.shape(), node_));
    const auto a_zp = zero_point_values(ctx.has_input(2) ? &ctx.input(2) : nullptr, d.m);
    const auto b_zp = zero_point_values(ctx.has_input(5) ? &ctx.input(5) : nullptr, d.n);
    RunBuffer buf(ctx, planned_, static_cast<size_t>(y.numel()) * sizeof(int32_t));
    auto* acc = buf.as<int32_t>();
    batched_qgemm(a, b, d, a_zp, b_zp, acc);

    // Requantize in float like ONNX Runtime: multiplier = a_scale[m] * b_scale[n] / y_scale.
    const std::vector<float> a_scale = scale_values(ctx.input(1), d.m);
    const std::vector<float> b_scale = scale_values(ctx.input(4), d.n);
    const float y_scale = ctx.input(6).data<float>()[0];
    const int32_t y_zp = zero_point_values(ctx.has_input(7) ? &ctx.input(7) : nullptr, 1)[0];
    std::vector<float> mult(static_cast<size_t>(d.n));
    const int64_t batches = d.m * d.n == 0 ? 0 : y.numel() / (d.m * d.n);
    for (int64_t row = 0; row < d.m; ++row) {
      for (int64_t col = 0; col < d.n; ++col) {
        mult[static_cast<size_t>(col)] =
            a_scale[static_cast<size_t>(row)] * b_scale[static_cast<size_t>(col)] / y_scale;
      }
      for (int64_t bi = 0; bi < batches; ++bi) {
        const int64_t off = (bi * d.m + row) * d.n;
        if (y.dtype() == DType::kInt8) {
          ref::requantize_channels(acc + off, 1, d.n, 1, nullptr, mult.data(), y_zp, y.data<int8_t>() + off);
        } else {
          ref::requantize_channels(acc + off, 1, d.n, 1, nullptr, mult.data(), y_zp, y.data<uint8_t>() + off);
        }
      }
    }
    return Status::ok();
  }

 private:
  bool planned_ = false;
};

}  // namespace

void register_qmatmul_ops(Registry& r) {
  r.add("", "MatMulInteger", make_impl<MatMulIntegerKernel>("matmul_integer_ref"));
  r.add("", "QLinearMatMul", make_impl<QLinearMatMulKernel>("qlinear_matmul_ref"));
}

}  // namespace lacuna::ops
