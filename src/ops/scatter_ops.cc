// Scatter (the deprecated name of ScatterElements), ScatterElements and ScatterND, with the
// reductions none/add/mul (opset 16) and max/min (opset 18).
#include "core/dispatch.h"
#include "kernels/ref/scatter.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

Expected<ref::Reduction> parse_reduction(const std::string& s, int64_t opset, const std::string& node) {
  if (s == "none") return ref::Reduction::kNone;
  if (s == "add" && opset >= 16) return ref::Reduction::kAdd;
  if (s == "mul" && opset >= 16) return ref::Reduction::kMul;
  if (s == "max" && opset >= 18) return ref::Reduction::kMax;
  if (s == "min" && opset >= 18) return ref::Reduction::kMin;
  return invalid_model(node + ": reduction '" + s + "' is not valid at opset " + std::to_string(opset));
}

// Like visit_data_and_index, but reductions need the real element type (not just its storage).
template <class F>
Status visit_scatter(DType data, DType index, ref::Reduction red, const std::string& node, F&& body) {
  if (red == ref::Reduction::kNone) return visit_data_and_index(data, index, node, body);
  Status s;
  bool index_ok = false;
  const bool ok = visit_numeric(data, [&](auto t) {
    index_ok = ref::visit_index(index, [&](auto i) { s = body(t, i).with_context(node); });
  });
  if (!ok) return dtype_error(node, data);
  return index_ok ? s : dtype_error(node, index);
}

// Base with the reduction attribute; the output starts as a copy of input 0.
class ScatterBase : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    LACUNA_ASSIGN_OR_RETURN(red_, parse_reduction(attr_string("reduction", "none"), opset_, node_));
    return Status::ok();
  }

 protected:
  Status check_inputs(InferContext& ctx) const {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
    if (red_ != ref::Reduction::kNone && (ctx.dtype(0) == DType::kString)) {
      return ctx.bad_input("reductions do not apply to strings");
    }
    return Status::ok();
  }
  ref::Reduction red_ = ref::Reduction::kNone;
};

class ScatterElementsKernel : public ScatterBase {
 public:
  using ScatterBase::ScatterBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    const Shape& data = ctx.shape(0);
    const Shape& idx = ctx.shape(1);
    const int r = ctx.rank(0);
    if (r == 0) return ctx.bad_input("data must have rank >= 1");
    if (idx != ctx.shape(2)) return ctx.bad_input("indices and updates must have the same shape");
    if (idx.size() != data.size()) return ctx.bad_input("indices must have the rank of data");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), r, node_));
    for (int d = 0; d < r; ++d) {
      if (d != axis_ && idx[static_cast<size_t>(d)] > data[static_cast<size_t>(d)]) {
        return ctx.bad_input("indices shape " + shape_to_string(idx) + " exceeds data shape " +
                             shape_to_string(data) + " outside the axis");
      }
    }
    ctx.set_output(0, ctx.dtype(0), data);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& idx = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    Tensor& y = ctx.output(0);
    copy_elements(ctx.input(0), y);
    return visit_scatter(y.dtype(), idx.dtype(), red_, node_, [&](auto t, auto i) {
      using T = typename decltype(t)::type;
      using I = typename decltype(i)::type;
      return ref::scatter_elements(y.data<T>(), y.shape(), idx.data<I>(), upd.data<T>(), idx.shape(),
                                   axis_, red_);
    });
  }

 private:
  int axis_ = 0;
};

class ScatterNDKernel : public ScatterBase {
 public:
  using ScatterBase::ScatterBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(check_inputs(ctx));
    const Shape& data = ctx.shape(0);
    const Shape& idx = ctx.shape(1);
    const int64_t r = ctx.rank(0), q = ctx.rank(1);
    if (r < 1 || q < 1) return ctx.bad_input("data and indices must have rank >= 1");
    const int64_t k = idx.back();
    if (k < 1 || k > r) {
      return ctx.bad_input("the last dim of indices (" + std::to_string(k) + ") must be in [1, " +
                           std::to_string(r) + "]");
    }
    layout_ = ref::NdLayout{};
    layout_.depth = k;
    Shape expected(idx.begin(), idx.end() - 1);
    for (int64_t d = 0; d < q - 1; ++d) layout_.tuples *= idx[static_cast<size_t>(d)];
    for (int64_t d = 0; d < r; ++d) {
      const int64_t v = data[static_cast<size_t>(d)];
      layout_.block *= v;
      if (d < k) layout_.dims.push_back(v);
      else {
        layout_.slice *= v;
        expected.push_back(v);
      }
    }
    if (ctx.shape(2) != expected) {
      return ctx.bad_input("updates have shape " + shape_to_string(ctx.shape(2)) + "; expected " +
                           shape_to_string(expected));
    }
    ctx.set_output(0, ctx.dtype(0), data);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& idx = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    Tensor& y = ctx.output(0);
    copy_elements(ctx.input(0), y);
    return visit_scatter(y.dtype(), idx.dtype(), red_, node_, [&](auto t, auto i) {
      using T = typename decltype(t)::type;
      using I = typename decltype(i)::type;
      return ref::scatter_nd(y.data<T>(), idx.data<I>(), upd.data<T>(), layout_, red_);
    });
  }

 private:
  ref::NdLayout layout_;
};

}  // namespace

void register_scatter_ops(Registry& r) {
  r.add("", "Scatter", make_impl<ScatterElementsKernel>("scatter_ref"), true);
  r.add("", "ScatterElements", make_impl<ScatterElementsKernel>("scatter_elements_ref"), true);
  r.add("", "ScatterND", make_impl<ScatterNDKernel>("scatter_nd_ref"), true);
}

}  // namespace lacuna::ops
