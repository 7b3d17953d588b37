// Operators that select or reorder by data: Compress (by a mask), NonZero (coordinates of the
// nonzero elements) and ReverseSequence (per-batch reversal of a prefix).
#include "core/dispatch.h"
#include "kernels/ref/select.h"
#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class CompressKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kBool}));
    if (ctx.rank(1) != 1) return ctx.bad_input("condition must be 1-D");
    const Shape& in = ctx.shape(0);
    has_axis_ = attr("axis") != nullptr;
    if (has_axis_) {
      LACUNA_ASSIGN_OR_RETURN(axis_, tensor_axis(attr_int("axis", 0), ctx.rank(0), node_));
    }
    const Tensor* cond = ctx.value(1);
    if (!cond) return ctx.needs_value(1);
    // Condition entries beyond the selected dim are ignored (numpy raises only if one is set).
    const int64_t n = has_axis_ ? in[static_cast<size_t>(axis_)] : numel(in);
    const int64_t m = std::min(n, cond->numel());
    for (int64_t i = m; i < cond->numel(); ++i) {
      if (cond->data<bool>()[i]) return ctx.bad_input("condition selects past the end of the input");
    }
    int64_t kept = 0;
    for (int64_t i = 0; i < m; ++i) kept += cond->data<bool>()[i] ? 1 : 0;
    Shape out;
    if (has_axis_) {
      out = in;
      out[static_cast<size_t>(axis_)] = kept;
    } else {
      out = {kept};
    }
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& cond = ctx.input(1);
    Tensor& y = ctx.output(0);
    ref::AxisSplit a;
    if (has_axis_) a = ref::split_at_axis(x.shape(), axis_);
    else a.n = x.numel();
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::compress(x.data<T>(), a.outer, a.n, a.inner, cond.data<bool>(), cond.numel(), y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  bool has_axis_ = false;
  int axis_ = 0;
};

class NonZeroKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    ctx.set_output_deferred(0, DType::kInt64);
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t rank = std::max(x.rank(), 1);
    auto count_and_write = [&](auto&& nonzero_at) -> Status {
      int64_t count = 0;
      for (int64_t i = 0; i < x.numel(); ++i) count += nonzero_at(i) ? 1 : 0;
      LACUNA_RETURN_IF_ERROR(ctx.allocate_output(0, DType::kInt64, {rank, count}));
      ref::nonzero(x.shape(), count, nonzero_at, ctx.output(0).data<int64_t>());
      return Status::ok();
    };
    if (x.dtype() == DType::kString) {
      const auto* p = x.data<std::string>();
      return count_and_write([p](int64_t i) { return !p[i].empty(); });
    }
    Status s;
    const bool ok = visit_numeric(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* p = x.data<T>();
      s = count_and_write([p](int64_t i) { return to_double(p[i]) != 0.0; });
    });
    return ok ? s : dtype_error(node_, x.dtype());
  }
};

class ReverseSequenceKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    time_axis_ = attr_int("time_axis", 0);
    batch_axis_ = attr_int("batch_axis", 1);
    if ((time_axis_ != 0 && time_axis_ != 1) || (batch_axis_ != 0 && batch_axis_ != 1) ||
        time_axis_ == batch_axis_) {
      return error("time_axis and batch_axis must be 0 and 1 in some order");
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt32, DType::kInt64}));
    if (ctx.rank(0) < 2) return ctx.bad_input("input must have rank >= 2");
    const int64_t batch = ctx.shape(0)[static_cast<size_t>(batch_axis_)];
    if (ctx.shape(1) != Shape{batch}) {
      return ctx.bad_input("sequence_lens must have shape [" + std::to_string(batch) + "]");
    }
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const std::vector<int64_t> lens = ctx.input(1).to_int64_vector();
    const int64_t steps = x.dim(static_cast<int>(time_axis_));
    for (int64_t l : lens) {
      if (l < 0 || l > steps) {
        return ctx.error("sequence length " + std::to_string(l) + " is outside [0, " + std::to_string(steps) + "]");
      }
    }
    const int64_t inner = x.numel() == 0 ? 0 : x.numel() / (x.dim(0) * x.dim(1));
    const int64_t time_stride = time_axis_ == 0 ? x.dim(1) * inner : inner;
    const int64_t batch_stride = batch_axis_ == 0 ? x.dim(1) * inner : inner;
    bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      ref::reverse_sequence(x.data<T>(), steps, x.dim(static_cast<int>(batch_axis_)), time_stride,
                            batch_stride, inner, lens.data(), y.data<T>());
    });
    return ok ? Status::ok() : dtype_error(node_, x.dtype());
  }

 private:
  int64_t time_axis_ = 0;
  int64_t batch_axis_ = 1;
};

}  // namespace

void register_select_ops(Registry& r) {
  r.add("", "Compress", make_impl<CompressKernel>("compress_ref"), true);
  r.add("", "NonZero", make_impl<NonZeroKernel>("nonzero_ref"), true);
  r.add("", "ReverseSequence", make_impl<ReverseSequenceKernel>("reverse_sequence_ref"), true);
}

}  // namespace lacuna::ops
