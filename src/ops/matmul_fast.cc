// Optimized MatMul / Gemm / lacuna:FusedGemm in float32 on the packed GEMM micro-kernels:
//  - constant weights (the linear layers of transformers, classifiers) are packed once, and the
//    bias, residual and activation are applied in the micro-kernel's epilogue;
//  - two run-time operands (attention scores) are packed per batch into scratch.
#include <algorithm>

#include "kernels/dense/gemm.h"
#include "ops/families.h"
#include "ops/fast_path.h"
#include "ops/fused_ops.h"
#include "ops/matmul_dims.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;
size_t aligned(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

enum class Form { kMatMul, kGemm, kFused };

class GemmFastKernel : public FastPathKernel {
 public:
  GemmFastKernel(const ir::Node& n, int64_t opset) : FastPathKernel(n, opset) {
    form_ = n.domain == kLacunaDomain ? Form::kFused : (n.op_type == "Gemm" ? Form::kGemm : Form::kMatMul);
  }

  Status init() {
    LACUNA_RETURN_IF_ERROR(FastPathKernel::init());
    if (form_ == Form::kFused) {
      LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(attrs_, node_));
    }
    if (form_ != Form::kMatMul) {
      trans_b_ = attr_int("transB", 0) != 0;
      alpha_ = attr_float("alpha", 1.f);
    }
    if (form_ == Form::kGemm) {
      if (attr_int("transA", 0) != 0) return not_supported("transA");
      beta_ = attr_float("beta", 1.f);
    }
    return Status::ok();
  }

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape || !ctx.outputs[0].set) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32 || ctx.dtype(1) != DType::kFloat32) return not_supported("only float32");
    const Shape& a = ctx.shape(0);
    const Shape& b = ctx.shape(1);
    if (a.size() < 2 || b.size() < 2) return not_supported("1-D operands");
    LACUNA_ASSIGN_OR_RETURN(dims_, matmul_dims(a, b, node_, false, trans_b_));
    kernel_ = &kernels::select_gemm_kernel(*ctx.options->cpu);
    threads_ = std::max(1, ctx.options->num_threads);
    const Tensor* w = ctx.value(1);
    if (w && b.size() == 2) {
      packed_ = kernels::PackedB(w->data<float>(), dims_.k, dims_.n, trans_b_, kernel_->nr);
      rows_ = numel(a) / dims_.k;
      ctx.constant_consumed[1] = true;
      ctx.decision = std::string("packed weights ") + kernel_->name;
    } else {
      if (form_ != Form::kMatMul) return not_supported("run-time weights");
      // Batched: B's batch must match A's or broadcast from a single matrix.
      if (numel(dims_.b_batch) != 1 && dims_.b_batch != dims_.a_batch) return not_supported("batch broadcasting");
      if (dims_.a_batch.size() != dims_.batch.size() && numel(dims_.a_batch) != numel(dims_.batch)) {
        return not_supported("batch broadcasting");
      }
      dynamic_b_ = true;
      ctx.decision = std::string("batched, per-batch packing ") + kernel_->name;
    }
    LACUNA_RETURN_IF_ERROR(prepare_bias(ctx));
    const int64_t mrows = dynamic_b_ ? dims_.m : rows_;
    per_thread_ = aligned(kernels::gemm_scratch_floats(*kernel_, mrows));
    if (dynamic_b_) per_thread_ += aligned(kernels::packed_b_floats(dims_.k, dims_.n, kernel_->nr));
    ctx.scratch_bytes = per_thread_ * static_cast<size_t>(threads_) * sizeof(float);
    ctx.flops = 2.0 * static_cast<double>(numel(dims_.out)) * static_cast<double>(dims_.k);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* a = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    kernels::Epilogue ep;
    ep.scale = alpha_;
    ep.bias = bias_.defined() ? bias_.data<float>() : nullptr;
    ep.act = act_.act;
    ep.alpha = act_.alpha;
    ep.beta = act_.beta;
    if (residual_input_ >= 0 && ctx.has_input(residual_input_)) {
      ep.residual = ctx.input(residual_input_).data<float>();
      ep.ld_residual = dims_.n;
    }
    auto* scratch = static_cast<float*>(ctx.scratch);
    const kernels::GemmKernel& k = *kernel_;
    if (!dynamic_b_) {
      const int64_t panels = packed_.panels();
      ctx.pool->parallel([&](int tid, int nt) {
        const kernels::GemmRange r = kernels::gemm_partition(rows_, panels, k.mr, tid, nt);
        kernels::gemm_packed(k, a, dims_.k, false, packed_, y, dims_.n, r.m_begin, r.m_end, r.p_begin, r.p_end, ep,
                             scratch + per_thread_ * static_cast<size_t>(tid));
      });
      return Status::ok();
    }
    const float* b = ctx.input(1).data<float>();
    const int64_t batches = numel(dims_.batch);
    const bool shared_b = numel(dims_.b_batch) == 1;
    const int64_t a_stride = dims_.m * dims_.k, b_stride = shared_b ? 0 : dims_.k * dims_.n, c_stride = dims_.m * dims_.n;
    const size_t pack_floats = aligned(kernels::packed_b_floats(dims_.k, dims_.n, k.nr));
    ctx.pool->parallel([&](int tid, int nt) {
      float* mine = scratch + per_thread_ * static_cast<size_t>(tid);
      float* pb = mine;
      float* apack = mine + pack_floats;
      for (int64_t bi = batches * tid / nt; bi < batches * (tid + 1) / nt; ++bi) {
        kernels::pack_b(b + bi * b_stride, dims_.n, dims_.k, dims_.n, false, k.nr, pb);
        const kernels::PackedB view = kernels::PackedB::view(pb, dims_.k, dims_.n, k.nr);
        kernels::Epilogue e = ep;
        if (e.residual) e.residual += bi * c_stride;
        kernels::gemm_packed(k, a + bi * a_stride, dims_.k, false, view, y + bi * c_stride, dims_.n, 0, dims_.m, 0,
                             view.panels(), e, apack);
      }
    });
    return Status::ok();
  }

 private:
  // Gemm's C and FusedGemm's B become a per-column bias (C may also be a full residual).
  Status prepare_bias(PrepareContext& ctx) {
    if (form_ == Form::kFused) {
      if (ctx.has_input(2)) {
        if (!ctx.value(2)) return not_supported("the bias is not constant");
        bias_ = *ctx.value(2);
      }
      residual_input_ = 3;
      return Status::ok();
    }
    if (form_ != Form::kGemm || !ctx.has_input(2) || beta_ == 0.f) return Status::ok();
    const Shape& c = ctx.shape(2);
    if (numel(c) == dims_.n && (c.size() == 1 || (c.size() == 2 && c[0] == 1)) && ctx.value(2)) {
      bias_ = ctx.value(2)->clone();
      for (int64_t j = 0; j < dims_.n; ++j) bias_.data<float>()[j] *= beta_;
      return Status::ok();
    }
    if (c == dims_.out && beta_ == 1.f) {
      residual_input_ = 2;
      return Status::ok();
    }
    return not_supported("Gemm's C broadcasts in a way the fast path does not handle");
  }

  Form form_;
  bool trans_b_ = false;
  float alpha_ = 1.f, beta_ = 1.f;
  ActivationSpec act_;
  MatMulDims dims_;
  const kernels::GemmKernel* kernel_ = nullptr;
  kernels::PackedB packed_;
  bool dynamic_b_ = false;
  int64_t rows_ = 0;
  Tensor bias_;
  int residual_input_ = -1;
  int threads_ = 1;
  size_t per_thread_ = 0;
};

}  // namespace

void register_matmul_fast_ops(Registry& r) {
  r.add("", "MatMul", make_impl<GemmFastKernel>("gemm_fast", /*reference=*/false));
  r.add("", "Gemm", make_impl<GemmFastKernel>("gemm_fast", /*reference=*/false));
  r.add(kLacunaDomain, "FusedGemm", make_impl<GemmFastKernel>("gemm_fast", /*reference=*/false));
}

}  // namespace lacuna::ops
