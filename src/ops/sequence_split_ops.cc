// SplitToSequence (a tensor into a sequence of pieces) and ConcatFromSequence (back into one
// tensor, concatenating or stacking along an axis).
#include "kernels/ref/concat.h"
#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/sequence_util.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class SplitToSequenceKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (ctx.has_input(1)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    if (ctx.rank(0) == 0) return ctx.bad_input("cannot split a scalar");
    LACUNA_RETURN_IF_ERROR(tensor_axis(attr_int("axis", 0), ctx.rank(0), node_).status());
    ctx.set_output_kind(0, ValueKind::kSequence, ctx.dtype(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    auto axis_or = tensor_axis(attr_int("axis", 0), x.rank(), node_);
    if (!axis_or) return axis_or.status();
    const int axis = *axis_or;
    const int64_t dim = x.dim(axis);
    std::vector<int64_t> sizes;
    bool squeeze = false;
    // Each item costs an allocation even when empty; refuse absurd counts instead of exhausting memory.
    constexpr int64_t kMaxItems = int64_t{1} << 24;
    auto too_many = [&](int64_t n) { return ctx.error("the split would make " + std::to_string(n) + " items"); };
    if (!ctx.has_input(1)) {
      if (dim > kMaxItems) return too_many(dim);
      sizes.assign(static_cast<size_t>(dim), 1);
      squeeze = attr_int("keepdims", 1) == 0;
    } else {
      const Tensor& s = ctx.input(1);
      const std::vector<int64_t> v = s.to_int64_vector();
      if (s.rank() == 0) {
        if (v[0] <= 0) return ctx.error("split must be positive");
        const int64_t count = dim / v[0] + (dim % v[0] != 0 ? 1 : 0);
        if (count > kMaxItems) return too_many(count);
        for (int64_t i = 0; i < count; ++i) sizes.push_back(std::min(v[0], dim - i * v[0]));
      } else if (s.rank() == 1) {
        int64_t left = dim;
        for (int64_t p : v) {
          if (p < 0 || p > left) return ctx.error("split sizes must be non-negative and add up to " + std::to_string(dim));
          left -= p;
        }
        if (left != 0) return ctx.error("split sizes must add up to " + std::to_string(dim));
        sizes = v;
      } else {
        return ctx.error("split must be a scalar or 1-D");
      }
    }
    const ref::AxisSplit a = ref::split_at_axis(x.shape(), axis);
    std::vector<Tensor> items;
    std::vector<int64_t> chunks;
    for (int64_t s : sizes) {
      Shape shape = x.shape();
      if (squeeze) shape.erase(shape.begin() + axis);
      else shape[static_cast<size_t>(axis)] = s;
      auto t = Tensor::create(x.dtype(), shape);
      if (!t) return t.status().with_context(node_);
      items.push_back(std::move(t).value());
      chunks.push_back(s * a.inner);
    }
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<T*> ys;
      for (Tensor& t : items) ys.push_back(t.data<T>());
      ref::split<T>(x.data<T>(), a.outer, chunks, ys);
    });
    if (!ok) return dtype_error(node_, x.dtype());
    set_sequence(ctx.output_value(0), x.dtype(), std::move(items));
    return Status::ok();
  }
};

class ConcatFromSequenceKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    if (!attr("axis")) return error("attribute 'axis' is required");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(expect_sequence(ctx, 0));
    const RtValue* seq = ctx.inputs[0].rt;
    if (!seq) return ctx.needs_value(0);
    if (seq->sequence.empty()) return ctx.bad_input("cannot concatenate an empty sequence");
    const bool stack = attr_int("new_axis", 0) != 0;
    const Shape& first = seq->sequence[0].shape();
    const int r = static_cast<int>(first.size());
    const int64_t a = attr_int("axis", 0);
    const int out_rank = stack ? r + 1 : r;
    if (out_rank == 0) return ctx.bad_input("cannot concatenate scalars");
    LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(a, out_rank, node_));
    Shape out = first;
    if (stack) out.insert(out.begin() + axis_, 0);
    else out[static_cast<size_t>(axis_)] = 0;
    for (size_t i = 0; i < seq->sequence.size(); ++i) {
      const Tensor& t = seq->sequence[i];
      bool match = t.dtype() == seq->sequence[0].dtype() && t.rank() == r;
      for (int d = 0; match && d < r; ++d) {
        if ((stack || d != axis_) && t.shape()[static_cast<size_t>(d)] != first[static_cast<size_t>(d)]) match = false;
      }
      if (!match) {
        return ctx.bad_input("sequence item " + std::to_string(i) + " has shape " + shape_to_string(t.shape()) +
                             ", incompatible with item 0's " + shape_to_string(first));
      }
      out[static_cast<size_t>(axis_)] += stack ? 1 : t.shape()[static_cast<size_t>(axis_)];
    }
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, seq->sequence[0].dtype(), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const std::vector<Tensor>& seq = ctx.input_value(0).sequence;
    Tensor& y = ctx.output(0);
    const ref::AxisSplit a = ref::split_at_axis(y.shape(), axis_);
    std::vector<int64_t> chunks;
    for (const Tensor& t : seq) chunks.push_back(t.numel() / std::max<int64_t>(a.outer, 1));
    bool ok = ref::visit_storage(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::vector<const T*> xs;
      for (const Tensor& t : seq) xs.push_back(t.data<T>());
      ref::concat<T>(xs, chunks, a.outer, y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, y.dtype());
  }

 private:
  int axis_ = 0;
};

}  // namespace

void register_sequence_split_ops(Registry& r) {
  r.add("", "SplitToSequence", make_impl<SplitToSequenceKernel>("split_to_sequence"), true);
  r.add("", "ConcatFromSequence", make_impl<ConcatFromSequenceKernel>("concat_from_sequence"), true);
}

}  // namespace lacuna::ops
