// Optimized Conv / lacuna:FusedConv for float32 1-D and 2-D NCHW convolutions: depthwise
// kernels when groups == channels, otherwise the GEMM-based DenseConv2d. Constant weights are
// packed at prepare time; bias, residual and activation are fused into the output pass.
#include <memory>

#include "kernels/dense/conv2d.h"
#include "kernels/dense/depthwise.h"
#include "ops/conv_ops.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;  // floats (64 bytes)
size_t aligned_floats(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

class ConvFastKernel : public FusedConvKernel {
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
    kernels::Conv2dShape& s = shape_;
    s.n = params_.batch;
    s.c = params_.in_channels;
    s.k = params_.out_channels;
    s.groups = params_.groups;
    auto dim = [&](const std::vector<int64_t>& v, size_t i, int64_t one) { return nd == 2 ? v[i] : (i == 0 ? one : v[0]); };
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
    if (s.n * s.k * s.oh * s.ow == 0) return not_supported("empty output");
    threads_ = std::max(1, ctx.options->num_threads);
    if (ctx.has_input(2)) bias_ = *ctx.value(2);
    const CpuInfo& cpu = *ctx.options->cpu;
    if (s.groups == s.c && s.k == s.c && s.groups > 1) {
      depthwise_ = kernels::select_depthwise(cpu);
      weights_ = *w;  // shared with the graph's constant: nothing to pack
      per_thread_ = aligned_floats(kernels::depthwise_scratch_floats(s));
      ctx.scratch_bytes = per_thread_ * static_cast<size_t>(threads_) * sizeof(float);
      ctx.decision = std::string(kernels::depthwise_name(cpu)) + " " + std::to_string(s.r) + "x" + std::to_string(s.s) +
                     "/s" + std::to_string(s.stride_w);
    } else {
      dense_ = std::make_unique<kernels::DenseConv2d>(kernels::select_gemm_kernel(cpu), s, w->data<float>());
      padded_ = aligned_floats(dense_->padded_floats());
      per_thread_ = aligned_floats(dense_->scratch_floats());
      ctx.scratch_bytes = (padded_ + per_thread_ * static_cast<size_t>(threads_)) * sizeof(float);
      ctx.constant_consumed[1] = true;
      ctx.decision = std::string("dense ") + dense_->strategy_name() + " " + dense_->kernel().name;
    }
    ctx.flops = 2.0 * static_cast<double>(s.n * s.k * s.oh * s.ow) * static_cast<double>(s.cg() * s.r * s.s);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const kernels::Epilogue ep = conv_epilogue(ctx, bias_, act_);
    auto* scratch = static_cast<float*>(ctx.scratch);
    const kernels::Conv2dShape& s = shape_;
    if (depthwise_) {
      const float* w = weights_.data<float>();
      ctx.pool->parallel([&](int tid, int nt) {
        const int64_t planes = s.n * s.c;
        depthwise_(s, x, w, y, ep, planes * tid / nt, planes * (tid + 1) / nt, scratch + per_thread_ * static_cast<size_t>(tid));
      });
      return Status::ok();
    }
    float* padded = scratch;
    float* thread_scratch = scratch + padded_;
    const int threads = std::min(threads_, ctx.pool->num_threads());
    ctx.pool->parallel([&](int tid, int nt) {
      if (padded_) {
        const int64_t planes = s.n * s.c;
        dense_->pad_input(x, padded, planes * tid / nt, planes * (tid + 1) / nt);
      }
    });
    const int64_t items = dense_->work_items(threads);
    ctx.pool->parallel([&](int tid, int nt) {
      dense_->run(x, padded, y, ep, items * tid / nt, items * (tid + 1) / nt, threads,
                  thread_scratch + per_thread_ * static_cast<size_t>(tid));
    });
    return Status::ok();
  }

 private:
  kernels::Conv2dShape shape_;
  std::unique_ptr<kernels::DenseConv2d> dense_;
  kernels::DepthwiseFn depthwise_ = nullptr;
  Tensor weights_, bias_;
  int threads_ = 1;
  size_t padded_ = 0, per_thread_ = 0;
};

}  // namespace

void register_conv_fast_ops(Registry& r) {
  r.add("", "Conv", make_impl<ConvFastKernel>("conv_fast", /*reference=*/false));
  r.add(kLacunaDomain, "FusedConv", make_impl<ConvFastKernel>("conv_fast", /*reference=*/false));
}

}  // namespace lacuna::ops
