// Sequence operators: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt,
// SequenceErase and SequenceLength. Sequences hold owned copies of their items, so an item
// never points into the activation arena, whose buffers are reused once their value is dead.
#include "ir/dtype_codes.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/sequence_util.h"

namespace lacuna::ops {

namespace {

class SequenceEmptyKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    if (const ir::Attribute* a = attr("dtype")) {
      auto t = ir::dtype_from_code(a->i);
      if (!t) return t.status().with_context(node_);
      dtype_ = *t;
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    ctx.set_output_kind(0, ValueKind::kSequence, dtype_);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    set_sequence(ctx.output_value(0), dtype_, {});
    return Status::ok();
  }
  bool foldable() const override { return false; }

 private:
  DType dtype_ = DType::kFloat32;
};

class SequenceConstructKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (ctx.num_inputs() < 1) return ctx.error("needs at least one input");
    for (int i = 0; i < ctx.num_inputs(); ++i) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {ctx.dtype(0)}));
    ctx.set_output_kind(0, ValueKind::kSequence, ctx.dtype(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    std::vector<Tensor> items;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      auto t = owned_copy(ctx.input(i));
      if (!t) return t.status().with_context(std::string(ctx.node));
      items.push_back(std::move(t).value());
    }
    set_sequence(ctx.output_value(0), ctx.input(0).dtype(), std::move(items));
    return Status::ok();
  }
};

class SequenceInsertKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(expect_sequence(ctx, 0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
    LACUNA_RETURN_IF_ERROR(check_item_dtype(ctx, 0, ctx.dtype(1)));
    if (ctx.has_input(2)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kInt32, DType::kInt64}));
    ctx.set_output_kind(0, ValueKind::kSequence, ctx.dtype(1));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const std::vector<Tensor>& seq = ctx.input_value(0).sequence;
    const auto n = static_cast<int64_t>(seq.size());
    int64_t pos = n;
    if (ctx.has_input(2)) {
      LACUNA_RETURN_IF_ERROR(sequence_position(ctx, 2, n, /*allow_end=*/true, &pos));
    }
    auto item = owned_copy(ctx.input(1));
    if (!item) return item.status().with_context(std::string(ctx.node));
    std::vector<Tensor> items = seq;  // the items are immutable; sharing them is safe
    items.insert(items.begin() + pos, std::move(item).value());
    set_sequence(ctx.output_value(0), ctx.input(1).dtype(), std::move(items));
    return Status::ok();
  }
};

class SequenceAtKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(expect_sequence(ctx, 0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    const RtValue* seq = ctx.inputs[0].rt;
    if (!seq || !ctx.value(1)) return ctx.needs_value(seq ? 1 : 0);
    int64_t pos = 0;
    LACUNA_RETURN_IF_ERROR(position_value(node_, *ctx.value(1), static_cast<int64_t>(seq->sequence.size()),
                                          false, &pos));
    const Tensor& item = seq->sequence[static_cast<size_t>(pos)];
    ctx.set_output(0, item.dtype(), item.shape());
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const std::vector<Tensor>& seq = ctx.input_value(0).sequence;
    int64_t pos = 0;
    LACUNA_RETURN_IF_ERROR(sequence_position(ctx, 1, static_cast<int64_t>(seq.size()), false, &pos));
    copy_elements(seq[static_cast<size_t>(pos)], ctx.output(0));
    return Status::ok();
  }
};

class SequenceEraseKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(expect_sequence(ctx, 0));
    if (ctx.has_input(1)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    ctx.set_output_kind(0, ValueKind::kSequence, ctx.dtype(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const RtValue& in = ctx.input_value(0);
    const auto n = static_cast<int64_t>(in.sequence.size());
    int64_t pos = n - 1;
    if (ctx.has_input(1)) {
      LACUNA_RETURN_IF_ERROR(sequence_position(ctx, 1, n, false, &pos));
    } else if (n == 0) {
      return ctx.error("cannot erase from an empty sequence");
    }
    std::vector<Tensor> items = in.sequence;
    items.erase(items.begin() + pos);
    set_sequence(ctx.output_value(0), in.elem_dtype, std::move(items));
    return Status::ok();
  }
};

class SequenceLengthKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(expect_sequence(ctx, 0));
    ctx.set_output(0, DType::kInt64, {});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    ctx.output(0).data<int64_t>()[0] = static_cast<int64_t>(ctx.input_value(0).sequence.size());
    return Status::ok();
  }
};

}  // namespace

void register_sequence_ops(Registry& r) {
  r.add("", "SequenceEmpty", make_impl<SequenceEmptyKernel>("sequence_empty"), true);
  r.add("", "SequenceConstruct", make_impl<SequenceConstructKernel>("sequence_construct"), true);
  r.add("", "SequenceInsert", make_impl<SequenceInsertKernel>("sequence_insert"), true);
  r.add("", "SequenceAt", make_impl<SequenceAtKernel>("sequence_at"), true);
  r.add("", "SequenceErase", make_impl<SequenceEraseKernel>("sequence_erase"), true);
  r.add("", "SequenceLength", make_impl<SequenceLengthKernel>("sequence_length"), true);
}

}  // namespace lacuna::ops
