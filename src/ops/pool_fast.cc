// Optimized float32 MaxPool / AveragePool (1-D and 2-D, no Indices output) and
// GlobalAveragePool / GlobalMaxPool on the per-ISA pooling kernels.
#include <algorithm>

#include "kernels/dense/pool2d.h"
#include "ops/families.h"
#include "ops/fast_path.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace lacuna::ops {

namespace {

constexpr size_t kAlign = 16;
size_t aligned(int64_t n) { return (static_cast<size_t>(n) + kAlign - 1) / kAlign * kAlign; }

template <kernels::PoolMode kMode>
class PoolFastKernel : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32) return not_supported("only float32");
    if (ctx.num_outputs() > 1 && ctx.outputs[1].wanted) return not_supported("the Indices output");
    const Shape& x = ctx.shape(0);
    const size_t nd = x.size() - 2;
    if (nd != 1 && nd != 2) return not_supported("only 1-D and 2-D pooling");
    WindowAttrs wa;
    LACUNA_ASSIGN_OR_RETURN(wa.auto_pad, parse_auto_pad(attr_string("auto_pad", "NOTSET"), node_));
    wa.kernel_shape = attr_ints("kernel_shape");
    wa.strides = attr_ints("strides");
    wa.dilations = attr_ints("dilations");
    wa.pads = attr_ints("pads");
    wa.ceil_mode = attr_int("ceil_mode", 0) != 0;
    WindowGeometry g;
    LACUNA_RETURN_IF_ERROR(window_geometry(wa, std::vector<int64_t>(x.begin() + 2, x.end()), wa.kernel_shape, node_, &g));
    auto d2 = [&](const std::vector<int64_t>& v, size_t i, int64_t one) { return nd == 2 ? v[i] : (i == 0 ? one : v[0]); };
    kernels::Conv2dShape& s = s_;
    s.n = x[0];
    s.c = s.k = x[1];
    s.h = nd == 2 ? x[2] : 1;
    s.w = x.back();
    s.oh = d2(g.out, 0, 1);
    s.ow = d2(g.out, 1, 1);
    s.r = d2(g.kernel, 0, 1);
    s.s = d2(g.kernel, 1, 1);
    s.stride_h = d2(g.strides, 0, 1);
    s.stride_w = d2(g.strides, 1, 1);
    s.dil_h = d2(g.dilations, 0, 1);
    s.dil_w = d2(g.dilations, 1, 1);
    s.pad_t = d2(g.pads_begin, 0, 0);
    s.pad_l = d2(g.pads_begin, 1, 0);
    const int64_t pad_b = d2(g.pads_end, 0, 0), pad_r = d2(g.pads_end, 1, 0);
    if (s.n * s.c * s.oh * s.ow == 0) return not_supported("empty output");
    if constexpr (kMode == kernels::PoolMode::kAverage) {
      // 1 / (taps inside the counted region) per output position.
      const bool include_pad = attr_int("count_include_pad", 0) != 0;
      inv_count_ = Tensor(DType::kFloat32, {s.oh * s.ow});
      auto count = [&](int64_t o, int64_t stride, int64_t pad0, int64_t k, int64_t dil, int64_t size, int64_t pad1) {
        const int64_t lo = include_pad ? -pad0 : 0, hi = include_pad ? size + pad1 : size;
        int64_t c = 0;
        for (int64_t t = 0; t < k; ++t) {
          const int64_t i = o * stride - pad0 + t * dil;
          c += i >= lo && i < hi;
        }
        return c;
      };
      for (int64_t oh = 0; oh < s.oh; ++oh) {
        const int64_t ch = count(oh, s.stride_h, s.pad_t, s.r, s.dil_h, s.h, pad_b);
        for (int64_t ow = 0; ow < s.ow; ++ow) {
          const int64_t c = ch * count(ow, s.stride_w, s.pad_l, s.s, s.dil_w, s.w, pad_r);
          inv_count_.data<float>()[oh * s.ow + ow] = c ? 1.f / static_cast<float>(c) : 0.f;
        }
      }
    }
    fn_ = kernels::select_pool2d(*ctx.options->cpu);
    per_thread_ = aligned(kernels::pool2d_scratch_floats(s));
    ctx.scratch_bytes = per_thread_ * static_cast<size_t>(std::max(1, ctx.options->num_threads)) * sizeof(float);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const float* inv = inv_count_.defined() ? inv_count_.data<float>() : nullptr;
    auto* scratch = static_cast<float*>(ctx.scratch);
    const int64_t planes = s_.n * s_.c;
    ctx.pool->parallel([&](int tid, int nt) {
      fn_(s_, kMode, x, y, inv, planes * tid / nt, planes * (tid + 1) / nt, scratch + per_thread_ * static_cast<size_t>(tid));
    });
    return Status::ok();
  }

 private:
  kernels::Conv2dShape s_;
  Tensor inv_count_;
  kernels::Pool2dFn fn_ = nullptr;
  size_t per_thread_ = 0;
};

template <kernels::PoolMode kMode>
class GlobalPoolFastKernel : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32) return not_supported("only float32");
    const Shape& x = ctx.shape(0);
    planes_ = x[0] * x[1];
    size_ = planes_ ? numel(x) / planes_ : 0;
    if (size_ == 0) return not_supported("empty planes");
    fn_ = kernels::select_global_pool(*ctx.options->cpu);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    ctx.pool->parallel_for(planes_, std::max<int64_t>(1, 4096 / size_), [&](int64_t b, int64_t e) { fn_(kMode, x, y, size_, b, e); });
    return Status::ok();
  }

 private:
  int64_t planes_ = 0, size_ = 0;
  kernels::GlobalPoolFn fn_ = nullptr;
};

}  // namespace

void register_pool_fast_ops(Registry& r) {
  r.add("", "MaxPool", make_impl<PoolFastKernel<kernels::PoolMode::kMax>>("max_pool_fast", false));
  r.add("", "AveragePool", make_impl<PoolFastKernel<kernels::PoolMode::kAverage>>("average_pool_fast", false));
  r.add("", "GlobalAveragePool", make_impl<GlobalPoolFastKernel<kernels::PoolMode::kAverage>>("global_average_pool_fast", false));
  r.add("", "GlobalMaxPool", make_impl<GlobalPoolFastKernel<kernels::PoolMode::kMax>>("global_max_pool_fast", false));
}

}  // namespace lacuna::ops
