// Optimized lacuna:ToBlocked / FromBlocked / BlockedConv / BlockedPool on the NCHWc kernels
// (kernels/dense/blocked*.h). They accept a node only when its block is the one the CPU tier's
// kernels use (16 with AVX-512, 8 otherwise); anything else falls back to the reference
// implementations in blocked_ops.cc, which stay the oracle.
#include <algorithm>
#include <memory>

#include "kernels/dense/blocked.h"
#include "kernels/dense/blocked_conv2d.h"
#include "kernels/dense/blocked_depthwise.h"
#include "kernels/dense/blocked_pool.h"
#include "kernels/dense/pool2d.h"
#include "ops/fast_path.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;  // floats (64 bytes)
size_t aligned_floats(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

// The tier's kernels, or null when the node's block is not theirs (the reference runs it).
const kernels::BlockedKernels* tier_for_block(const PrepareContext& ctx, int64_t block) {
  const kernels::BlockedKernels& k = kernels::select_blocked_kernels(*ctx.options->cpu);
  return k.block == block ? &k : nullptr;
}

// Reorder work items (channel blocks of one image) per parallel chunk: a few thousand floats.
int64_t reorder_grain(int64_t hw, int block) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, hw * block)); }

class ToBlockedFast : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    k_ = tier_for_block(ctx, attr_int("block", 0));
    if (!k_) return not_supported("the block is not the CPU tier's");
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    const int64_t c = s[1], hw = s[2] * s[3];
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    ctx.pool->parallel_for(s[0] * kernels::channel_blocks(c, k_->block), reorder_grain(hw, k_->block),
                           [&](int64_t b, int64_t e) { kernels::nchw_to_blocked(*k_, x, y, c, hw, b, e); });
    return Status::ok();
  }

 private:
  const kernels::BlockedKernels* k_ = nullptr;
};

class FromBlockedFast : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    k_ = tier_for_block(ctx, attr_int("block", 0));
    if (!k_) return not_supported("the block is not the CPU tier's");
    channels_ = attr_int("channels", 0);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    const int64_t hw = s[2] * s[3];
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    ctx.pool->parallel_for(s[0] * s[1], reorder_grain(hw, k_->block),
                           [&](int64_t b, int64_t e) { kernels::blocked_to_nchw(*k_, x, y, channels_, hw, b, e); });
    return Status::ok();
  }

 private:
  const kernels::BlockedKernels* k_ = nullptr;
  int64_t channels_ = 0;
};

// Conv2dShape of a 2-D window over an [n, c, h, w] input.
kernels::Conv2dShape window_shape(int64_t n, int64_t c, int64_t k, int64_t h, int64_t w, int64_t groups,
                                  const WindowGeometry& g) {
  kernels::Conv2dShape s;
  s.n = n;
  s.c = c;
  s.k = k;
  s.groups = groups;
  s.h = h;
  s.w = w;
  s.oh = g.out[0];
  s.ow = g.out[1];
  s.r = g.kernel[0];
  s.s = g.kernel[1];
  s.stride_h = g.strides[0];
  s.stride_w = g.strides[1];
  s.dil_h = g.dilations[0];
  s.dil_w = g.dilations[1];
  s.pad_t = g.pads_begin[0];
  s.pad_l = g.pads_begin[1];
  return s;
}

// The window attributes shared by BlockedConv and BlockedPool.
class BlockedWindowFast : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;

 protected:
  Expected<WindowAttrs> window_attrs() const {
    WindowAttrs w;
    LACUNA_ASSIGN_OR_RETURN(w.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
    w.kernel_shape = attr_ints("kernel_shape");
    w.strides = attr_ints("strides");
    w.dilations = attr_ints("dilations");
    w.pads = attr_ints("pads");
    w.ceil_mode = attr_int("ceil_mode", 0) != 0;
    return w;
  }
};

class BlockedConvFast : public BlockedWindowFast {
 public:
  using BlockedWindowFast::BlockedWindowFast;

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape || !ctx.outputs[0].set) return not_supported("shapes are only known at run time");
    const Tensor* w = ctx.value(1);
    if (!w) return not_supported("the weights are not constant");
    if (ctx.has_input(2) && !ctx.value(2)) return not_supported("the bias is not constant");
    const int64_t block = attr_int("block", 0);
    const kernels::BlockedKernels* tier = tier_for_block(ctx, block);
    if (!tier) return not_supported("block " + std::to_string(block) + " is not the CPU tier's");
    const bool plain = attr_int("src_plain", 0) != 0;
    const int64_t groups = attr_int("group", 1);
    LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(attrs_, node_));
    LACUNA_ASSIGN_OR_RETURN(WindowAttrs wa, window_attrs());
    const Shape& xs = ctx.shape(0);
    const Shape& ws = w->shape();
    const int64_t c = ws[1] * groups;
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(wa, {xs[2], xs[3]}, {ws[2], ws[3]}, node_, &g));
    s_ = window_shape(xs[0], c, ws[0], xs[2], xs[3], groups, g);
    if (s_.n * s_.k * s_.oh * s_.ow == 0) return not_supported("empty output");
    if (ctx.has_input(2)) bias_ = *ctx.value(2);
    threads_ = std::max(1, ctx.options->num_threads);
    const CpuInfo& cpu = *ctx.options->cpu;
    if (kernels::BlockedDepthwise2d::supports(s_) && groups > 1) {
      if (plain) return not_supported("a depthwise convolution over a plain input");
      dw_ = std::make_unique<kernels::BlockedDepthwise2d>(cpu, s_, w->data<float>());
      per_thread_ = aligned_floats(dw_->scratch_floats());
      ctx.decision = std::string(tier->name) + " depthwise " + std::to_string(s_.r) + "x" + std::to_string(s_.s) +
                     "/s" + std::to_string(s_.stride_w);
    } else if (kernels::BlockedConv2d::supports(s_)) {
      conv_ = std::make_unique<kernels::BlockedConv2d>(cpu, s_, w->data<float>(), plain);
      per_thread_ = aligned_floats(conv_->scratch_floats());
      ctx.decision = conv_->describe();
    } else {
      return not_supported("groups " + std::to_string(groups) + " / stride " + std::to_string(s_.stride_w) +
                           " have no blocked kernel");
    }
    ctx.constant_consumed[1] = true;
    ctx.scratch_bytes = per_thread_ * static_cast<size_t>(threads_) * sizeof(float);
    ctx.flops = 2.0 * static_cast<double>(s_.n * s_.k * s_.oh * s_.ow) * static_cast<double>(s_.cg() * s_.r * s_.s);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const kernels::Epilogue ep = conv_epilogue(ctx, bias_, act_);
    auto* scratch = static_cast<float*>(ctx.scratch);
    const int threads = std::min(threads_, ctx.pool->num_threads());
    const int64_t items = dw_ ? dw_->work_items(threads) : conv_->work_items(threads);
    ctx.pool->parallel([&](int tid, int nt) {
      float* ts = scratch + per_thread_ * static_cast<size_t>(tid);
      const int64_t b = items * tid / nt, e = items * (tid + 1) / nt;
      if (dw_) {
        dw_->run(x, y, ep, b, e, threads, ts);
      } else {
        conv_->run(x, y, ep, b, e, threads, ts);
      }
    });
    return Status::ok();
  }

 private:
  kernels::Conv2dShape s_;
  ActivationSpec act_;
  std::unique_ptr<kernels::BlockedConv2d> conv_;
  std::unique_ptr<kernels::BlockedDepthwise2d> dw_;
  Tensor bias_;
  int threads_ = 1;
  size_t per_thread_ = 0;
};

class BlockedPoolFast : public BlockedWindowFast {
 public:
  using BlockedWindowFast::BlockedWindowFast;

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    k_ = tier_for_block(ctx, attr_int("block", 0));
    if (!k_) return not_supported("the block is not the CPU tier's");
    const std::string op = attr_string("pool_op", "");
    mode_ = op == "MaxPool" || op == "GlobalMaxPool" ? kernels::PoolMode::kMax : kernels::PoolMode::kAverage;
    global_ = op.rfind("Global", 0) == 0;
    const Shape& xb = ctx.shape(0);
    const int64_t channels = attr_int("channels", 0);
    if (global_) {
      s_.n = xb[0];
      s_.c = s_.k = channels;
      s_.h = xb[2];
      s_.w = xb[3];
      if (s_.h * s_.w == 0) return not_supported("empty planes");
      return Status::ok();
    }
    LACUNA_ASSIGN_OR_RETURN(WindowAttrs wa, window_attrs());
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(wa, {xb[2], xb[3]}, wa.kernel_shape, node_, &g));
    s_ = window_shape(xb[0], channels, channels, xb[2], xb[3], channels, g);
    if (s_.n * s_.oh * s_.ow == 0) return not_supported("empty output");
    if (mode_ == kernels::PoolMode::kAverage) {
      inv_count_ = Tensor(DType::kFloat32, {s_.oh * s_.ow});
      kernels::pool2d_inv_count(s_, g.pads_end[0], g.pads_end[1], attr_int("count_include_pad", 0) != 0,
                                inv_count_.data<float>());
    }
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const int64_t planes = s_.n * kernels::channel_blocks(s_.c, k_->block);
    if (global_) {
      const int64_t hw = s_.h * s_.w;
      ctx.pool->parallel_for(planes, std::max<int64_t>(1, 4096 / (hw * k_->block)),
                             [&](int64_t b, int64_t e) { kernels::blocked_global_pool(*k_, mode_, x, y, hw, b, e); });
      return Status::ok();
    }
    const float* inv = inv_count_.defined() ? inv_count_.data<float>() : nullptr;
    ctx.pool->parallel_for(planes, 1,
                           [&](int64_t b, int64_t e) { kernels::blocked_pool2d(*k_, s_, mode_, x, y, inv, b, e); });
    return Status::ok();
  }

 private:
  const kernels::BlockedKernels* k_ = nullptr;
  kernels::PoolMode mode_ = kernels::PoolMode::kMax;
  bool global_ = false;
  kernels::Conv2dShape s_;
  Tensor inv_count_;
};

}  // namespace

void register_blocked_fast_ops(Registry& r) {
  r.add(kLacunaDomain, "ToBlocked", make_impl<ToBlockedFast>("to_blocked_nchwc", /*reference=*/false));
  r.add(kLacunaDomain, "FromBlocked", make_impl<FromBlockedFast>("from_blocked_nchwc", /*reference=*/false));
  r.add(kLacunaDomain, "BlockedConv", make_impl<BlockedConvFast>("blocked_conv_nchwc", /*reference=*/false));
  r.add(kLacunaDomain, "BlockedPool", make_impl<BlockedPoolFast>("blocked_pool_nchwc", /*reference=*/false));
}

}  // namespace lacuna::ops
