// Optimized MatMul / Gemm / lacuna:FusedGemm in float32 on the packed GEMM micro-kernels:
//  - constant weights (the linear layers of transformers, classifiers) are packed once, and the
//    bias, residual and activation are applied in the micro-kernel's epilogue;
//  - two run-time operands (attention scores) are packed per batch into scratch.
#include <algorithm>

#include "kernels/dense/gemm.h"
#include "ops/families.h"
#include "ops/gemm_common.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;
size_t aligned(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

class GemmFastKernel : public GemmKernelBase {
 public:
  using GemmKernelBase::GemmKernelBase;

  Status prepare(PrepareContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_shapes(ctx));
    const Shape& a = ctx.shape(0);
    const Shape& b = ctx.shape(1);
    kernel_ = &kernels::select_gemm_kernel(*ctx.options->cpu);
    threads_ = std::max(1, ctx.options->num_threads);
    const Tensor* w = ctx.value(1);
    if (w && b.size() == 2) {
      packed_ = kernels::PackedB(w->data<float>(), dims_.k, dims_.n, trans_b_, kernel_->nr);
      rows_ = numel(a) / dims_.k;
      ctx.constant_consumed[1] = true;
      ctx.decision = std::string("packed weights ") + kernel_->name;
    } else {
      if (form_ != GemmForm::kMatMul) return not_supported("run-time weights");
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
    const kernels::Epilogue ep = epilogue(ctx);
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
        k.pack_b(b + bi * b_stride, dims_.n, dims_.k, dims_.n, false, pb);
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
  const kernels::GemmKernel* kernel_ = nullptr;
  kernels::PackedB packed_;
  bool dynamic_b_ = false;
  int64_t rows_ = 0;
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
