// Sparse MatMul / Gemm / lacuna:FusedGemm with a constant 2-D weight matrix (transformer linear
// layers, classifiers), chosen per layer by the sparse cost model (or the --sparse option). A few
// rows of activations (batch-1 classifiers) take the sparse GEMV kernel, more take SparseLinear.
#include <memory>

#include "kernels/sparse/sparse_gemv.h"
#include "kernels/sparse/sparse_linear.h"
#include "ops/families.h"
#include "ops/gemm_common.h"
#include "ops/registry.h"
#include "ops/sparse_policy.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;
size_t aligned(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

class GemmSparseKernel : public GemmKernelBase {
 public:
  using GemmKernelBase::GemmKernelBase;

  Status prepare(PrepareContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_shapes(ctx));
    const Tensor* w = ctx.value(1);
    if (!w || w->rank() != 2) return not_supported("the weights are not a constant matrix");
    tokens_ = numel(ctx.shape(0)) / dims_.k;
    const SparseChoice choice = choose_sparse_gemm(*ctx.options, *w, ctx.shape(0));
    if (!choice.sparse) return not_supported(choice.reason);
    LACUNA_RETURN_IF_ERROR(prepare_bias(ctx));
    const int threads = std::max(1, ctx.options->num_threads);
    // MatMul's and FusedGemm's (transB=0) weight is [K x N]; Gemm/FusedGemm with transB is [N x K].
    int64_t nnz = 0;
    const char* kernel = nullptr;
    if (choice.gemv) {
      gemv_ = std::make_unique<kernels::SparseGemv>(*ctx.options->cpu, w->data<float>(), dims_.n, dims_.k,
                                                    /*k_major=*/!trans_b_, threads);
      nnz = gemv_->nnz();
      kernel = gemv_->kernel_name();
    } else {
      linear_ = std::make_unique<kernels::SparseLinear>(*ctx.options->cpu, w->data<float>(), dims_.n, dims_.k,
                                                        /*k_major=*/!trans_b_, tokens_, threads);
      shared_ = aligned(linear_->shared_floats());
      per_thread_ = aligned(linear_->scratch_floats());
      ctx.scratch_bytes = (shared_ + per_thread_ * static_cast<size_t>(threads)) * sizeof(float);
      nnz = linear_->nnz();
      kernel = linear_->kernel_name();
    }
    ctx.constant_consumed[1] = true;
    ctx.flops = 2.0 * static_cast<double>(nnz) * static_cast<double>(tokens_);
    ctx.decision = std::string(kernel) + ", " + choice.reason;
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* a = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const kernels::Epilogue ep = epilogue(ctx);
    if (gemv_) {
      const int64_t items = gemv_->work_items();
      ctx.pool->parallel([&](int tid, int nt) {
        gemv_->run(a, dims_.k, tokens_, y, dims_.n, ep.bias, ep.residual, dims_.n, ep, items * tid / nt, items * (tid + 1) / nt);
      });
      return Status::ok();
    }
    auto* scratch = static_cast<float*>(ctx.scratch);
    float* shared = scratch;
    float* per_thread = scratch + shared_;
    const int64_t packs = linear_->pack_items();
    if (packs > 0) {
      ctx.pool->parallel([&](int tid, int nt) { linear_->pack(a, dims_.k, shared, packs * tid / nt, packs * (tid + 1) / nt); });
    }
    const int64_t items = linear_->work_items();
    ctx.pool->parallel([&](int tid, int nt) {
      linear_->run(a, dims_.k, y, dims_.n, ep.bias, ep.residual, dims_.n, ep, items * tid / nt, items * (tid + 1) / nt,
                   shared, per_thread + per_thread_ * static_cast<size_t>(tid));
    });
    return Status::ok();
  }

 private:
  std::unique_ptr<kernels::SparseLinear> linear_;
  std::unique_ptr<kernels::SparseGemv> gemv_;
  int64_t tokens_ = 0;
  size_t shared_ = 0, per_thread_ = 0;
};

}  // namespace

void register_gemm_sparse_ops(Registry& r) {
  r.add("", "MatMul", make_impl<GemmSparseKernel>("gemm_sparse", /*reference=*/false));
  r.add("", "Gemm", make_impl<GemmSparseKernel>("gemm_sparse", /*reference=*/false));
  r.add(kLacunaDomain, "FusedGemm", make_impl<GemmSparseKernel>("gemm_sparse", /*reference=*/false));
}

}  // namespace lacuna::ops
