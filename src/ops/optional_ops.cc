// Optional values: Optional (wraps a tensor or sequence), OptionalHasElement and
// OptionalGetElement. From opset 18 the latter two also accept a plain tensor or sequence.
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/sequence_util.h"

namespace lacuna::ops {

namespace {

// The element an optional (or, from opset 18, a plain tensor or sequence) value holds.
struct Element {
  bool present = false;
  bool is_sequence = false;
};

Element element_of(const RtValue& v) {
  if (v.kind == ValueKind::kTensor) return {true, false};
  if (v.kind == ValueKind::kSequence) return {true, true};
  return {v.present, v.optional_of_sequence};
}

class OptionalKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0)) {
      // An empty optional of the type the `type` attribute names.
      const ir::Attribute* t = attr("type");
      if (!t || t->kind != ir::Attribute::Kind::kType) return ctx.error("without an input, the 'type' attribute is required");
      ctx.set_output_kind(0, ValueKind::kOptional, t->type_dtype);
      return Status::ok();
    }
    if (ctx.inputs[0].kind == ValueKind::kOptional) return ctx.bad_input("input must be a tensor or sequence");
    ctx.set_output_kind(0, ValueKind::kOptional, ctx.dtype(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    if (!ctx.has_input(0)) {
      const ir::Attribute* t = attr("type");
      RtValue out;
      out.kind = ValueKind::kOptional;
      out.present = false;
      out.elem_dtype = t->type_dtype;
      out.optional_of_sequence = t->type_kind == ValueKind::kSequence || t->type_of_sequence;
      ctx.output_value(0) = std::move(out);
      return Status::ok();
    }
    const RtValue& in = ctx.input_value(0);
    RtValue out;
    out.kind = ValueKind::kOptional;
    out.present = true;
    if (in.kind == ValueKind::kSequence) {
      out.optional_of_sequence = true;
      out.elem_dtype = in.elem_dtype;
      out.sequence = in.sequence;
    } else {
      auto t = owned_copy(in.tensor);
      if (!t) return t.status().with_context(node_);
      out.elem_dtype = in.tensor.dtype();
      out.tensor = std::move(t).value();
    }
    ctx.output_value(0) = std::move(out);
    return Status::ok();
  }
  bool foldable() const override { return false; }
};

class OptionalHasElementKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    // A plain tensor or sequence counts as a present optional (Loop may carry a sequence into
    // an optional(sequence) body input), whatever the opset.
    ctx.set_output(0, DType::kBool, {});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    ctx.output(0).data<bool>()[0] = ctx.has_input(0) && element_of(ctx.input_value(0)).present;
    return Status::ok();
  }
};

class OptionalGetElementKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.error("input 0 is required");
    const runtime::InputInfo& in = ctx.inputs[0];

    if (in.kind == ValueKind::kTensor) {
      ctx.set_output(0, in.dtype, *in.shape);
      return Status::ok();
    }
    if (!in.rt) return ctx.needs_value(0);
    const Element e = element_of(*in.rt);
    if (!e.present) return ctx.bad_input("the optional input is empty");
    if (e.is_sequence) ctx.set_output_kind(0, ValueKind::kSequence, in.rt->elem_dtype);
    else ctx.set_output(0, in.rt->tensor.dtype(), in.rt->tensor.shape());
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const RtValue& in = ctx.input_value(0);
    const Element e = element_of(in);
    if (!e.present) return ctx.error("the optional input is empty");
    if (e.is_sequence) set_sequence(ctx.output_value(0), in.elem_dtype, in.sequence);
    else copy_elements(in.tensor, ctx.output(0));
    return Status::ok();
  }
};

}  // namespace

void register_optional_ops(Registry& r) {
  r.add("", "Optional", make_impl<OptionalKernel>("optional"), true);
  r.add("", "OptionalHasElement", make_impl<OptionalHasElementKernel>("optional_has_element"), true);
  r.add("", "OptionalGetElement", make_impl<OptionalGetElementKernel>("optional_get_element"), true);
}

}  // namespace lacuna::ops
