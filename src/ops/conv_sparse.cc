// Sparse Conv / lacuna:FusedConv for float32 2-D NCHW convolutions with constant weights, strides
// 1 and 2, chosen per layer by the sparse cost model (or the --sparse option).
#include <memory>

#include "kernels/dense/gemm.h"
#include "kernels/sparse/sparse_conv2d.h"
#include "ops/conv_ops.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"
#include "ops/sparse_policy.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;
size_t aligned(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

class ConvSparseKernel : public FusedConvKernel {
 public:
  using FusedConvKernel::FusedConvKernel;

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape || !ctx.outputs[0].set) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32) return not_supported("only float32");
    const size_t nd = params_.in_spatial.size();
    if (nd != 1 && nd != 2) return not_supported("only 1-D and 2-D convolutions");
    const Tensor* w = ctx.value(1);
    if (!w) return not_supported("the weights are not constant");
    if (ctx.has_input(2) && !ctx.value(2)) return not_supported("the bias is not constant");
    // A 1-D convolution is a 2-D one of height 1.
    auto dim = [&](const std::vector<int64_t>& v, size_t i, int64_t one) { return nd == 2 ? v[i] : (i == 0 ? one : v[0]); };
    kernels::Conv2dShape& s = shape_;
    s.n = params_.batch;
    s.c = params_.in_channels;
    s.k = params_.out_channels;
    s.groups = params_.groups;
    s.h = dim(params_.in_spatial, 0, 1);
    s.w = dim(params_.in_spatial, 1, 1);
    s.oh = dim(params_.out_spatial, 0, 1);
    s.ow = dim(params_.out_spatial, 1, 1);
    s.r = dim(params_.kernel, 0, 1);
    s.s = dim(params_.kernel, 1, 1);
    s.stride_h = dim(params_.strides, 0, 1);
    s.stride_w = dim(params_.strides, 1, 1);
    s.dil_h = dim(params_.dilations, 0, 1);
    s.dil_w = dim(params_.dilations, 1, 1);
    s.pad_t = dim(params_.pads_begin, 0, 0);
    s.pad_l = dim(params_.pads_begin, 1, 0);
    if (!kernels::SparseConv2d::supports(s)) return not_supported("strides other than 1 and 2");
    const SparseChoice choice = choose_sparse_conv(*ctx.options, *w, s.groups, s.oh * s.ow);
    if (!choice.sparse) return not_supported(choice.reason);
    const int threads = std::max(1, ctx.options->num_threads);
    if (ctx.has_input(2)) bias_ = *ctx.value(2);
    kernels::ConvEpilogueSpec epi;
    epi.bias = bias_.defined() ? bias_.data<float>() : nullptr;
    epi.residual = ctx.has_input(3);
    epi.act = act_.act;
    epi.alpha = act_.alpha;
    epi.beta = act_.beta;
    conv_ = std::make_unique<kernels::SparseConv2d>(*ctx.options->cpu, s, w->data<float>(), epi, threads);
    padded_ = aligned(conv_->padded_floats());
    per_thread_ = aligned(conv_->scratch_floats());
    ctx.scratch_bytes = (padded_ + per_thread_ * static_cast<size_t>(threads)) * sizeof(float);
    ctx.constant_consumed[1] = true;
    ctx.flops = 2.0 * static_cast<double>(conv_->nnz()) * static_cast<double>(s.n * s.oh * s.ow);
    ctx.decision = std::string(conv_->kernel_name()) + ", " + choice.reason;
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const kernels::Epilogue ep = conv_epilogue(ctx, bias_, act_);
    auto* scratch = static_cast<float*>(ctx.scratch);
    float* padded = scratch;
    float* thread_scratch = scratch + padded_;
    const int64_t planes = shape_.n * shape_.c;
    ctx.pool->parallel([&](int tid, int nt) { conv_->pad_input(x, padded, planes * tid / nt, planes * (tid + 1) / nt); });
    const int64_t items = conv_->work_items();
    ctx.pool->parallel([&](int tid, int nt) {
      conv_->run(conv_->direct() ? x : padded, y, ep, items * tid / nt, items * (tid + 1) / nt,
                 thread_scratch + per_thread_ * static_cast<size_t>(tid));
    });
    return Status::ok();
  }

 private:
  kernels::Conv2dShape shape_;
  std::unique_ptr<kernels::SparseConv2d> conv_;
  Tensor bias_;
  size_t padded_ = 0, per_thread_ = 0;
};

}  // namespace

void register_conv_sparse_ops(Registry& r) {
  r.add("", "Conv", make_impl<ConvSparseKernel>("conv_sparse", /*reference=*/false));
  r.add(kLacunaDomain, "FusedConv", make_impl<ConvSparseKernel>("conv_sparse", /*reference=*/false));
}

}  // namespace lacuna::ops
