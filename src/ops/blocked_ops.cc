// Operators on the channel-blocked layout that the blocked_layout pass introduces (domain
// "lacuna"); a blocked tensor of an NCHW tensor [N, C, H, W] is [N, ceil(C/B), H, W, B]:
//   ToBlocked(X)                  attrs block
//   FromBlocked(Xb)               attrs block, channels
//   BlockedConv(Xb, W, [B], [Zb]) FusedConv's attributes plus block and src_plain (X given in NCHW)
//   BlockedPool(Xb)               the pooling op's attributes plus pool_op, block and channels
// Elementwise ops need no blocked variant: they run on the 5-D tensors as they are.
//
// These are the reference kernels: they reorder to NCHW, run the reference convolution or pooling,
// and reorder back -- the oracle for the fast blocked kernels.
#include <algorithm>
#include <vector>

#include "kernels/ref/blocked.h"
#include "kernels/ref/conv.h"
#include "kernels/ref/pool.h"
#include "ops/blocked_ops.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace ref = kernels::ref;

Shape blocked_shape(const Shape& nchw, int64_t block) {
  return {nchw[0], ref::channel_blocks(nchw[1], block), nchw[2], nchw[3], block};
}

Status check_blocked_input(const InferContext& ctx, int i, int64_t channels, int64_t block) {
  LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32}));
  const Shape& s = ctx.shape(i);
  if (s.size() != 5 || s[4] != block || s[1] != ref::channel_blocks(channels, block)) {
    return ctx.bad_input("input " + std::to_string(i) + " " + shape_to_string(s) + " is not the " +
                         std::to_string(block) + "-channel blocked form of " + std::to_string(channels) + " channels");
  }
  return Status::ok();
}

namespace {

class ToBlockedKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    block_ = attr_int("block", 0);
    if (block_ <= 0) return error("block must be positive");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    if (ctx.rank(0) != 4) return ctx.bad_input("X must be 4-D NCHW, got " + shape_to_string(ctx.shape(0)));
    ctx.set_output(0, DType::kFloat32, blocked_shape(ctx.shape(0), block_));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& x = ctx.input(0).shape();
    ref::to_blocked(ctx.input(0).data<float>(), ctx.output(0).data<float>(), x[0], x[1], x[2] * x[3], block_);
    return Status::ok();
  }

 private:
  int64_t block_ = 0;
};

class FromBlockedKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    block_ = attr_int("block", 0);
    channels_ = attr_int("channels", 0);
    if (block_ <= 0 || channels_ <= 0) return error("block and channels must be positive");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_blocked_input(ctx, 0, channels_, block_));
    const Shape& s = ctx.shape(0);
    ctx.set_output(0, DType::kFloat32, {s[0], channels_, s[2], s[3]});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    ref::from_blocked(ctx.input(0).data<float>(), ctx.output(0).data<float>(), s[0], channels_, s[2] * s[3], block_);
    return Status::ok();
  }

 private:
  int64_t block_ = 0, channels_ = 0;
};

// Reorders a blocked tensor into a fresh NCHW buffer.
std::vector<float> unblock(const Tensor& t, int64_t channels, int64_t block) {
  const Shape& s = t.shape();
  std::vector<float> out(static_cast<size_t>(s[0] * channels * s[2] * s[3]));
  ref::from_blocked(t.data<float>(), out.data(), s[0], channels, s[2] * s[3], block);
  return out;
}

class BlockedConvKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    LACUNA_ASSIGN_OR_RETURN(win_.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
    win_.kernel_shape = attr_ints("kernel_shape");
    win_.strides = attr_ints("strides");
    win_.dilations = attr_ints("dilations");
    win_.pads = attr_ints("pads");
    groups_ = attr_int("group", 1);
    block_ = attr_int("block", 0);
    src_plain_ = attr_int("src_plain", 0) != 0;
    if (groups_ <= 0 || block_ <= 0) return error("group and block must be positive");
    LACUNA_ASSIGN_OR_RETURN(act_, activation_from_attrs(attrs_, node_));
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kFloat32}));
    const Shape& w = ctx.shape(1);
    if (w.size() != 4) return ctx.bad_input("W must be 4-D, got " + shape_to_string(w));
    const int64_t c = w[1] * groups_, k = w[0];
    if (k % groups_ != 0) return ctx.bad_input("output channels are not divisible by group");
    Shape x;
    if (src_plain_) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
      x = ctx.shape(0);
      if (x.size() != 4 || x[1] != c) return ctx.bad_input("X " + shape_to_string(x) + " does not match W " + shape_to_string(w));
    } else {
      LACUNA_RETURN_IF_ERROR(check_blocked_input(ctx, 0, c, block_));
      const Shape& xb = ctx.shape(0);
      x = {xb[0], c, xb[2], xb[3]};
    }
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kFloat32}));
      if (ctx.shape(2) != Shape{k}) return ctx.bad_input("B must have shape [" + std::to_string(k) + "]");
    }
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(win_, {x[2], x[3]}, {w[2], w[3]}, node_, &g));
    params_ = ref::ConvParams{x[0], c, k, groups_, {x[2], x[3]}, g.out, g.kernel, g.strides, g.dilations, g.pads_begin};
    const Shape y = blocked_shape({x[0], k, g.out[0], g.out[1]}, block_);
    if (ctx.has_input(3)) {
      LACUNA_RETURN_IF_ERROR(check_blocked_input(ctx, 3, k, block_));
      if (ctx.shape(3) != y) return ctx.bad_input("the residual Z must have the output's shape " + shape_to_string(y));
    }
    ctx.set_output(0, DType::kFloat32, y);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& xt = ctx.input(0);
    std::vector<float> x_plain;
    const float* x = xt.data<float>();
    if (!src_plain_) {
      x_plain = unblock(xt, params_.in_channels, block_);
      x = x_plain.data();
    }
    const int64_t hw = params_.out_spatial[0] * params_.out_spatial[1];
    std::vector<float> y(static_cast<size_t>(params_.batch * params_.out_channels * hw));
    std::vector<float> ws(ref::conv_workspace_elems(params_));
    ref::conv_forward<float>(params_, x, ctx.input(1).data<float>(), ctx.has_input(2) ? ctx.input(2).data<float>() : nullptr,
                             y.data(), ws.data());
    std::vector<float> z;
    if (ctx.has_input(3)) z = unblock(ctx.input(3), params_.out_channels, block_);
    apply_activation_inplace(y.data(), z.empty() ? nullptr : z.data(), static_cast<int64_t>(y.size()), act_);
    ref::to_blocked(y.data(), ctx.output(0).data<float>(), params_.batch, params_.out_channels, hw, block_);
    return Status::ok();
  }

 private:
  WindowAttrs win_;
  int64_t groups_ = 1, block_ = 0;
  bool src_plain_ = false;
  ActivationSpec act_;
  ref::ConvParams params_;
};

class BlockedPoolKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    op_ = attr_string("pool_op", "");
    block_ = attr_int("block", 0);
    channels_ = attr_int("channels", 0);
    if (block_ <= 0 || channels_ <= 0) return error("block and channels must be positive");
    if (op_ != "MaxPool" && op_ != "AveragePool" && op_ != "GlobalAveragePool" && op_ != "GlobalMaxPool") {
      return error("unknown pool_op '" + op_ + "'");
    }
    global_ = op_.rfind("Global", 0) == 0;
    if (!global_) {
      LACUNA_ASSIGN_OR_RETURN(win_.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
      win_.kernel_shape = attr_ints("kernel_shape");
      if (win_.kernel_shape.size() != 2) return error("kernel_shape must have 2 entries");
      win_.strides = attr_ints("strides");
      win_.dilations = attr_ints("dilations");
      win_.pads = attr_ints("pads");
      win_.ceil_mode = attr_int("ceil_mode", 0) != 0;
      count_include_pad_ = attr_int("count_include_pad", 0) != 0;
    }
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_blocked_input(ctx, 0, channels_, block_));
    const Shape& xb = ctx.shape(0);
    if (global_) {
      ctx.set_output(0, DType::kFloat32, {xb[0], xb[1], 1, 1, block_});
      return Status::ok();
    }
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(win_, {xb[2], xb[3]}, win_.kernel_shape, node_, &g));
    params_ = ref::PoolParams{xb[0], channels_, {xb[2], xb[3]}, g.out, g.kernel, g.strides, g.dilations, g.pads_begin, g.pads_end};
    ctx.set_output(0, DType::kFloat32, {xb[0], xb[1], g.out[0], g.out[1], block_});
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& xt = ctx.input(0);
    const Shape& xb = xt.shape();
    const std::vector<float> x = unblock(xt, channels_, block_);
    const Shape& ys = ctx.output(0).shape();
    std::vector<float> y(static_cast<size_t>(ys[0] * channels_ * ys[2] * ys[3]));
    if (global_) {
      ref::global_pool<float>(op_ == "GlobalMaxPool" ? ref::GlobalPool::kMax : ref::GlobalPool::kAverage, xb[0] * channels_,
                              xb[2] * xb[3], 2.f, x.data(), y.data());
    } else if (op_ == "MaxPool") {
      ref::max_pool<float>(params_, x.data(), y.data(), nullptr, false);
    } else {
      ref::average_pool<float>(params_, count_include_pad_, x.data(), y.data());
    }
    ref::to_blocked(y.data(), ctx.output(0).data<float>(), ys[0], channels_, ys[2] * ys[3], block_);
    return Status::ok();
  }

 private:
  std::string op_;
  bool global_ = false, count_include_pad_ = false;
  int64_t block_ = 0, channels_ = 0;
  WindowAttrs win_;
  ref::PoolParams params_;
};

}  // namespace

void register_blocked_ops(Registry& r) {
  r.add(kLacunaDomain, "ToBlocked", make_impl<ToBlockedKernel>("to_blocked_ref"));
  r.add(kLacunaDomain, "FromBlocked", make_impl<FromBlockedKernel>("from_blocked_ref"));
  r.add(kLacunaDomain, "BlockedConv", make_impl<BlockedConvKernel>("blocked_conv_ref"));
  r.add(kLacunaDomain, "BlockedPool", make_impl<BlockedPoolKernel>("blocked_pool_ref"));
}

}  // namespace lacuna::ops
