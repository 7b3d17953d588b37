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
void batched_qgemm(const Tensor& a, const Tensor& b, const MatMulDims& d, const int32_t* a_zp, const int32_t* b_zp,
                   int32_t* acc) {
  auto one = [&](int64_t o, const std::array<int64_t, 2>& p) {
    auto run = [&](const auto* ap, const auto* bp) {
      ref::qgemm_s32(d.m, d.n, d.k, ap + p[0] * d.m * d.k, d.k, a_zp, bp + p[1] * d.k * d.n, d.n, b_zp,
                     acc + o * d.m * d.n, d.n);
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
    const std::array<ref::DimVector, 2> strides = {ref::broadcast_strides(d.a_batch, d.batch),
                                                   ref::broadcast_strides(d.b_batch, d.batch)};
    ref::for_each_broadcast<2>(d.batch, strides, one);
  }
}

// Both kernels: the dims (kept from prepare() when shapes are known) and a scratch of
// [acc (QLinearMatMul)] [a_zp: m] [b_zp: n] [mult: n], each part 64-byte aligned.
class QMatMulBase : public KernelBase {
 public:
  QMatMulBase(const ir::Node& n, int64_t opset, int b_input, bool with_acc)
      : KernelBase(n, opset), b_(b_input), with_acc_(with_acc) {}

 protected:
  struct Layout {
    size_t a_zp = 0, b_zp = 0, mult = 0, total = 0;
  };
  Layout layout(const MatMulDims& d, int64_t out_numel) const {
    Layout l;
    l.a_zp = with_acc_ ? RunBuffer::align64(static_cast<size_t>(out_numel) * sizeof(int32_t)) : 0;
    l.b_zp = l.a_zp + RunBuffer::align64(static_cast<size_t>(d.m) * sizeof(int32_t));
    l.mult = l.b_zp + RunBuffer::align64(static_cast<size_t>(d.n) * sizeof(int32_t));
    l.total = l.mult + RunBuffer::align64(static_cast<size_t>(d.n) * sizeof(float));
    return l;
  }
  Status prepare_dims(PrepareContext& ctx) {
    planned_ = RunBuffer::can_plan(ctx) && ctx.inputs[b_].shape != nullptr;
    if (!planned_) return Status::ok();
    auto d = matmul_dims(ctx.shape(0), ctx.shape(b_), node_);
    if (!d) {
      planned_ = false;
      return Status::ok();
    }
    dims_ = *d;
    ctx.scratch_bytes = layout(dims_, numel(ctx.outputs[0].shape)).total;
    return Status::ok();
  }
  // Computes the int32 products (into the output for MatMulInteger, the scratch otherwise).
  Status accumulate(const RunContext& ctx, int a_zp_input, int b_zp_input, MatMulDims* local, RunBuffer* heap,
                    const MatMulDims** dims, char** scratch, Layout* l) const {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(b_);
    if (!planned_) {
      LACUNA_ASSIGN_OR_RETURN(*local, matmul_dims(a.shape(), b.shape(), node_));
    }
    const MatMulDims& d = planned_ ? dims_ : *local;
    *dims = &d;
    *l = layout(d, ctx.output(0).numel());
    *heap = RunBuffer(ctx, planned_, l->total);  // the planned scratch, or heap memory
    *scratch = heap->as<char>();
    auto* a_zp = reinterpret_cast<int32_t*>(*scratch + l->a_zp);
    auto* b_zp = reinterpret_cast<int32_t*>(*scratch + l->b_zp);
    const Tensor* az = ctx.has_input(a_zp_input) ? &ctx.input(a_zp_input) : nullptr;
    const Tensor* bz = ctx.has_input(b_zp_input) ? &ctx.input(b_zp_input) : nullptr;
    for (int64_t i = 0; i < d.m; ++i) a_zp[i] = zero_point_at(az, i);
    for (int64_t j = 0; j < d.n; ++j) b_zp[j] = zero_point_at(bz, j);
    int32_t* acc = with_acc_ ? reinterpret_cast<int32_t*>(*scratch) : ctx.output(0).data<int32_t>();
    batched_qgemm(a, b, d, a_zp, b_zp, acc);
    return Status::ok();
  }

  int b_;
  bool with_acc_;
  bool planned_ = false;
  MatMulDims dims_;  // when planned_
};

class MatMulIntegerKernel : public QMatMulBase {
 public:
  MatMulIntegerKernel(const ir::Node& n, int64_t opset) : QMatMulBase(n, opset, 1, false) {}
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt8, DType::kUint8}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt8, DType::kUint8}));
    LACUNA_ASSIGN_OR_RETURN(MatMulDims d, matmul_dims(ctx.shape(0), ctx.shape(1), node_));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 2, ctx.dtype(0), d.m, "a_zero_point"));
    LACUNA_RETURN_IF_ERROR(check_zero_point(ctx, 3, ctx.dtype(1), d.n, "b_zero_point"));
    ctx.set_output(0, DType::kInt32, d.out);
    return Status::ok();
  }
  Status prepare(PrepareContext& ctx) override { return prepare_dims(ctx); }
  Status run(RunContext& ctx) override {
    MatMulDims local;
    RunBuffer heap;
    const MatMulDims* d = nullptr;
    char* scratch = nullptr;
    Layout l;
    return accumulate(ctx, 2, 3, &local, &heap, &d, &scratch, &l);
  }
};

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)
class QLinearMatMulKernel : public QMatMulBase {
 public:
  QLinearMatMulKernel(const ir::Node& n, int64_t opset) : QMatMulBase(n, opset, 3, true) {}
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
  Status prepare(PrepareContext& ctx) override { return prepare_dims(ctx); }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    MatMulDims local;
    RunBuffer heap;
    const MatMulDims* dp = nullptr;
    char* scratch = nullptr;
    Layout l;
    LACUNA_RETURN_IF_ERROR(accumulate(ctx, 2, 5, &local, &heap, &dp, &scratch, &l));
    const MatMulDims& d = *dp;
    const auto* acc = reinterpret_cast<const int32_t*>(scratch);

    // Requantize in float like ONNX Runtime: multiplier = a_scale[m] * b_scale[n] / y_scale.
    const float y_scale = ctx.input(6).data<float>()[0];
    const int32_t y_zp = zero_point_at(ctx.has_input(7) ? &ctx.input(7) : nullptr, 0);
    auto* mult = reinterpret_cast<float*>(scratch + l.mult);
    const int64_t batches = d.m * d.n == 0 ? 0 : y.numel() / (d.m * d.n);
    for (int64_t row = 0; row < d.m; ++row) {
      const float a_scale = scale_at(ctx.input(1), row);
      for (int64_t col = 0; col < d.n; ++col) mult[col] = a_scale * scale_at(ctx.input(4), col) / y_scale;
      for (int64_t bi = 0; bi < batches; ++bi) {
        const int64_t off = (bi * d.m + row) * d.n;
        if (y.dtype() == DType::kInt8) {
          ref::requantize_channels(acc + off, 1, d.n, 1, nullptr, mult, y_zp, y.data<int8_t>() + off);
        } else {
          ref::requantize_channels(acc + off, 1, d.n, 1, nullptr, mult, y_zp, y.data<uint8_t>() + off);
        }
      }
    }
    return Status::ok();
  }
};

}  // namespace

void register_qmatmul_ops(Registry& r) {
  r.add("", "MatMulInteger", make_impl<MatMulIntegerKernel>("matmul_integer_ref"));
  r.add("", "QLinearMatMul", make_impl<QLinearMatMulKernel>("qlinear_matmul_ref"));
}

}  // namespace lacuna::ops
