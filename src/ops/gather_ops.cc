// Gather, GatherElements and GatherND. Indices are int32 or int64 and may count from the end;
// out-of-range indices are reported at run time, naming the node.
#include "kernels/ref/gather.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

Status expect_indices(const InferContext& ctx, int i) {
  return ctx.expect_input(i, {DType::kInt32, DType::kInt64});
}

class GatherKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(expect_indices(ctx, 1));
    const Shape& data = ctx.shape(0);
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("data must have rank >= 1");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), r, node_));
    Shape out(data.begin(), data.begin() + axis_);
    out.insert(out.end(), ctx.shape(1).begin(), ctx.shape(1).end());
    out.insert(out.end(), data.begin() + axis_ + 1, data.end());
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    Tensor& y = ctx.output(0);
    const ref::AxisSplit a = ref::split_at_axis(x.shape(), axis_);
    return visit_data_and_index(x.dtype(), idx.dtype(), node_, [&](auto t, auto i) {
      using T = typename decltype(t)::type;
      using I = typename decltype(i)::type;
      return ref::gather(x.data<T>(), a.outer, a.n, a.inner, idx.data<I>(), idx.numel(), y.data<T>());
    });
  }

 private:
  int axis_ = 0;
};

class GatherElementsKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(expect_indices(ctx, 1));
    const Shape& data = ctx.shape(0);
    const Shape& idx = ctx.shape(1);
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("data must have rank >= 1");
    if (idx.size() != data.size()) return ctx.bad_input("indices must have the rank of data");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), r, node_));
    for (int d = 0; d < r; ++d) {
      if (d != axis_ && idx[static_cast<size_t>(d)] > data[static_cast<size_t>(d)]) {
        return ctx.bad_input("indices shape " + shape_to_string(idx) + " exceeds data shape " +
                             shape_to_string(data) + " outside the axis");
      }
    }
    ctx.set_output(0, ctx.dtype(0), idx);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    Tensor& y = ctx.output(0);
    return visit_data_and_index(x.dtype(), idx.dtype(), node_, [&](auto t, auto i) {
      using T = typename decltype(t)::type;
      using I = typename decltype(i)::type;
      return ref::gather_elements(x.data<T>(), x.shape(), idx.data<I>(), idx.shape(), axis_, y.data<T>());
    });
  }

 private:
  int axis_ = 0;
};

class GatherNDKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(expect_indices(ctx, 1));
    const Shape& data = ctx.shape(0);
    const Shape& idx = ctx.shape(1);
    const int64_t r = ctx.rank(0), q = ctx.rank(1);
    const int64_t b = attr_int("batch_dims", 0);
    if (r < 1 || q < 1) return ctx.bad_input("data and indices must have rank >= 1");
    if (b < 0 || b >= std::min(r, q)) return ctx.error("batch_dims must be in [0, min(rank))");
    const int64_t k = idx.back();
    if (k < 1 || k > r - b) {
      return ctx.bad_input("the last dim of indices (" + std::to_string(k) + ") must be in [1, " +
                           std::to_string(r - b) + "]");
    }
    layout_ = ref::NdLayout{};
    for (int64_t d = 0; d < b; ++d) {
      if (data[static_cast<size_t>(d)] != idx[static_cast<size_t>(d)]) {
        return ctx.bad_input("the batch dims of data and indices differ");
      }
      layout_.batch *= data[static_cast<size_t>(d)];
    }
    Shape out(idx.begin(), idx.end() - 1);
    for (int64_t d = b; d < q - 1; ++d) layout_.tuples *= idx[static_cast<size_t>(d)];
    layout_.depth = k;
    for (int64_t d = b; d < r; ++d) {
      const int64_t v = data[static_cast<size_t>(d)];
      layout_.block *= v;
      if (d < b + k) layout_.dims.push_back(v);
      else {
        layout_.slice *= v;
        out.push_back(v);
      }
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    Tensor& y = ctx.output(0);
    return visit_data_and_index(x.dtype(), idx.dtype(), node_, [&](auto t, auto i) {
      using T = typename decltype(t)::type;
      using I = typename decltype(i)::type;
      return ref::gather_nd(x.data<T>(), idx.data<I>(), layout_, y.data<T>());
    });
  }

 private:
  ref::NdLayout layout_;
};

}  // namespace

void register_gather_ops(Registry& r) {
  r.add("", "Gather", make_impl<GatherKernel>("gather_ref"), true);
  r.add("", "GatherElements", make_impl<GatherElementsKernel>("gather_elements_ref"), true);
  r.add("", "GatherND", make_impl<GatherNDKernel>("gather_nd_ref"), true);
}

}  // namespace lacuna::ops
