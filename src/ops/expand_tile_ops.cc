// Expand (broadcast to a shape) and Tile (repeat along each dim).
#include "kernels/ref/broadcast.h"
#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Shape-input values (Expand's shape, Tile's repeats) as int64s.
Expected<std::vector<int64_t>> shape_input(InferContext& ctx, int i, const std::string& node,
                                           const std::string& what) {
  const Tensor* v = ctx.value(i);
  if (!v) return ctx.needs_value(i);
  if (v->dtype() != DType::kInt64) return ctx.bad_input(what + " must be int64");
  if (v->rank() != 1) return ctx.bad_input(what + " must be 1-D");
  return int_values(*v, node + ": " + what);
}

class ExpandKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    LACUNA_ASSIGN_OR_RETURN(Shape target, shape_input(ctx, 1, node_, "shape"));
    for (int64_t d : target) {
      if (d < 0) return ctx.bad_input("shape has a negative dimension " + std::to_string(d));
    }
    Shape out;
    Status s = broadcast_shapes(ctx.shape(0), target, &out);
    if (!s.is_ok()) return s.with_context(node_);
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const ref::DimVector st = ref::broadcast_strides(x.shape(), y.shape());
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::strided_copy(x.data<T>(), 0, y.shape(), st, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }
};

class TileKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (opset_ < 6) return ctx.unsupported_here("Tile before opset 6 (tiles/axis inputs) is not supported");
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    LACUNA_ASSIGN_OR_RETURN(repeats_, shape_input(ctx, 1, node_, "repeats"));
    const Shape& in = ctx.shape(0);
    if (repeats_.size() != in.size()) {
      return ctx.bad_input("repeats has " + std::to_string(repeats_.size()) +
                           " entries for an input of rank " + std::to_string(in.size()));
    }
    Shape out;
    for (size_t d = 0; d < in.size(); ++d) {
      if (repeats_[d] < 0) return ctx.bad_input("repeats must not be negative");
      auto v = checked_numel({in[d], repeats_[d]});
      if (!v) return v.status().with_context(node_);
      out.push_back(*v);
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::tile(x.data<T>(), x.shape(), repeats_, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  std::vector<int64_t> repeats_;
};

}  // namespace

void register_expand_tile_ops(Registry& r) {
  r.add("", "Expand", make_impl<ExpandKernel>("expand_ref"), true);
  r.add("", "Tile", make_impl<TileKernel>("tile_ref"), true);
}

}  // namespace lacuna::ops
