// Pad: modes constant/reflect/edge (and wrap, opset 19). Pads and the value are attributes before
// opset 11 and inputs from then on; opset 18 adds an axes input. Negative pads crop.
#include "core/dispatch.h"
#include "kernels/ref/pad.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class PadKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    const std::string mode = attr_string("mode", "constant");
    if (mode == "constant") mode_ = ref::PadMode::kConstant;
    else if (mode == "reflect") mode_ = ref::PadMode::kReflect;
    else if (mode == "edge") mode_ = ref::PadMode::kEdge;
    else if (mode == "wrap" && opset_ >= 19) mode_ = ref::PadMode::kWrap;
    else return error("unknown mode '" + mode + "'");
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const Shape& in = ctx.shape(0);
    const int r = ctx.rank(0);
    std::vector<int64_t> pads;
    std::vector<int64_t> axes;
    bool have_axes = false;
    if (opset_ < 11) {
      pads = attr_ints(opset_ < 2 ? "paddings" : "pads");
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
      if (!ctx.value(1)) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(pads, int_values(*ctx.value(1), node_ + ": pads"));
      if (ctx.has_input(2)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {ctx.dtype(0)}));
      if (ctx.has_input(3)) {
        if (!ctx.value(3)) return ctx.needs_value(3);
        LACUNA_ASSIGN_OR_RETURN(axes, int_values(*ctx.value(3), node_ + ": axes"));
        have_axes = true;
      }
    }
    if (!have_axes) {
      for (int d = 0; d < r; ++d) axes.push_back(d);
    }
    if (pads.size() != 2 * axes.size()) {
      return ctx.bad_input("pads has " + std::to_string(pads.size()) + " entries; expected " +
                           std::to_string(2 * axes.size()));
    }
    begin_.assign(static_cast<size_t>(r), 0);
    std::vector<int64_t> end(static_cast<size_t>(r), 0);
    const size_t na = axes.size();
    for (size_t i = 0; i < na; ++i) {
      LACUNA_ASSIGN_OR_RETURN(int a, tensor_axis(axes[i], r, node_));
      begin_[static_cast<size_t>(a)] = pads[i];
      end[static_cast<size_t>(a)] = pads[na + i];
    }
    Shape out(static_cast<size_t>(r));
    for (size_t d = 0; d < static_cast<size_t>(r); ++d) {
      // Pads beyond any real size would only overflow; reject them early.
      constexpr int64_t kLimit = int64_t{1} << 40;
      if (begin_[d] > kLimit || end[d] > kLimit || begin_[d] < -kLimit || end[d] < -kLimit) {
        return ctx.bad_input("pads are too large");
      }
      out[d] = in[d] + begin_[d] + end[d];
      if (out[d] < 0) return ctx.bad_input("pads crop dim " + std::to_string(d) + " below zero");
      if (mode_ != ref::PadMode::kConstant && in[d] == 0 && out[d] > 0) {
        return ctx.bad_input("cannot pad an empty dim in this mode");
      }
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const Tensor* value = opset_ >= 11 && ctx.has_input(2) ? &ctx.input(2) : nullptr;
    if (value && value->numel() != 1) return ctx.error("constant_value must have one element");
    const double attr_value = attr_float("value", 0.f);
    auto body = [&](auto tag) {
      using T = typename decltype(tag)::type;
      T v{};
      if (value) v = value->data<T>()[0];
      else if constexpr (!std::is_same_v<T, std::string>) v = from_double<T>(attr_value);
      ref::pad(x.data<T>(), x.shape(), begin_, mode_, v, y.data<T>(), y.shape());
    };
    bool ok = x.dtype() == DType::kString ? (body(TypeTag<std::string>{}), true)
                                          : visit_numeric(x.dtype(), body);
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  ref::PadMode mode_ = ref::PadMode::kConstant;
  std::vector<int64_t> begin_;
};

}  // namespace

void register_pad_ops(Registry& r) { r.add("", "Pad", make_impl<PadKernel>("pad_ref"), true); }

}  // namespace lacuna::ops
