// Operators that only change a tensor's shape (they view their input's buffer, no copy):
// Reshape, Flatten, Squeeze, Unsqueeze, Identity; and Shape, Size. (Dropout is in dropout_ops.cc.)
#include <algorithm>

#include "ops/common.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

// Base for view ops: run() has nothing to do; the executor points the output at the input.
class ViewKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status run(RunContext&) override { return Status::ok(); }
  int output_alias(int i) const override { return i == 0 ? 0 : -1; }
};

class ReshapeKernel : public ViewKernel {
 public:
  using ViewKernel::ViewKernel;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    Shape target;
    if (opset_ < 5) {
      target = attr_ints("shape");
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kInt64}));
      const Tensor* s = ctx.value(1);
      if (!s) return ctx.needs_value(1);
      if (s->rank() != 1) return ctx.bad_input("shape must be 1-D");
      target = s->to_int64_vector();
    }
    const bool allowzero = attr_int("allowzero", 0) != 0;
    const Shape& in = ctx.shape(0);
    LACUNA_ASSIGN_OR_RETURN(int64_t total, checked_numel(in));
    int infer_at = -1;
    int64_t known = 1;
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] == 0 && !allowzero) {
        if (i >= in.size()) return ctx.bad_input("shape has a 0 at index " + std::to_string(i) + " beyond the input's rank");
        target[i] = in[i];
      }
      if (target[i] == -1) {
        if (infer_at >= 0) return ctx.bad_input("shape has more than one -1");
        infer_at = static_cast<int>(i);
        continue;
      }
      if (target[i] < 0) return ctx.bad_input("shape has a negative dimension " + std::to_string(target[i]));
      auto k = checked_numel({known, target[i]});
      if (!k) return ctx.bad_input("target shape overflows");
      known = *k;
    }
    if (infer_at >= 0) {
      if (known == 0 || total % known != 0) {
        return ctx.bad_input("cannot reshape " + shape_to_string(in) + " to " + shape_to_string(target));
      }
      target[static_cast<size_t>(infer_at)] = total / known;
    } else if (known != total) {
      return ctx.bad_input("cannot reshape " + shape_to_string(in) + " (" + std::to_string(total) +
                           " elements) to " + shape_to_string(target));
    }
    ctx.set_output(0, ctx.dtype(0), std::move(target));
    return Status::ok();
  }
};

class FlattenKernel : public ViewKernel {
 public:
  using ViewKernel::ViewKernel;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const Shape& in = ctx.shape(0);
    const int r = static_cast<int>(in.size());
    int64_t axis = attr_int("axis", 1);
    if (axis < -r || axis > r) return ctx.error("axis " + std::to_string(axis) + " out of range");
    if (axis < 0) axis += r;
    int64_t a = 1, b = 1;
    for (int i = 0; i < r; ++i) (i < axis ? a : b) *= in[static_cast<size_t>(i)];
    ctx.set_output(0, ctx.dtype(0), {a, b});
    return Status::ok();
  }
};

class SqueezeKernel : public ViewKernel {
 public:
  using ViewKernel::ViewKernel;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const Shape& in = ctx.shape(0);
    const int r = static_cast<int>(in.size());
    std::vector<int64_t> axes;
    bool have_axes = false;
    if (opset_ < 13) {
      have_axes = attr("axes") != nullptr;
      axes = attr_ints("axes");
    } else if (ctx.has_input(1)) {
      const Tensor* a = ctx.value(1);
      if (!a) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(axes, int_values(*a, node_ + ": axes"));
      have_axes = true;
    }
    std::vector<bool> drop(static_cast<size_t>(r), false);
    if (!have_axes) {
      for (int i = 0; i < r; ++i) drop[static_cast<size_t>(i)] = in[static_cast<size_t>(i)] == 1;
    } else {
      for (int64_t a : axes) {
        LACUNA_ASSIGN_OR_RETURN(int ax, tensor_axis(a, r, node_));
        if (in[static_cast<size_t>(ax)] != 1) {
          return ctx.bad_input("cannot squeeze axis " + std::to_string(a) + " of size " +
                               std::to_string(in[static_cast<size_t>(ax)]));
        }
        drop[static_cast<size_t>(ax)] = true;
      }
    }
    Shape out;
    for (int i = 0; i < r; ++i) {
      if (!drop[static_cast<size_t>(i)]) out.push_back(in[static_cast<size_t>(i)]);
    }
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
};

class UnsqueezeKernel : public ViewKernel {
 public:
  using ViewKernel::ViewKernel;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    std::vector<int64_t> axes;
    if (opset_ < 13) {
      axes = attr_ints("axes");
    } else {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(1));
      const Tensor* a = ctx.value(1);
      if (!a) return ctx.needs_value(1);
      LACUNA_ASSIGN_OR_RETURN(axes, int_values(*a, node_ + ": axes"));
    }
    const Shape& in = ctx.shape(0);
    const int r = static_cast<int>(in.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(r), false);
    for (int64_t a : axes) {
      LACUNA_ASSIGN_OR_RETURN(int ax, normalize_axis(a, r, node_));
      if (inserted[static_cast<size_t>(ax)]) return ctx.bad_input("axes has duplicates");
      inserted[static_cast<size_t>(ax)] = true;
    }
    Shape out;
    size_t k = 0;
    for (int i = 0; i < r; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? 1 : in[k++]);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
};

// Identity also passes sequences and optionals through.
class IdentityKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.error("input 0 is required");
    if (ctx.inputs[0].kind != ValueKind::kTensor) {
      ctx.set_output_kind(0, ctx.inputs[0].kind, ctx.dtype(0));
      return Status::ok();
    }
    ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    if (ctx.input_value(0).kind != ValueKind::kTensor) ctx.output_value(0) = ctx.input_value(0);
    return Status::ok();
  }
  int output_alias(int i) const override { return i == 0 ? 0 : -1; }
};

class ShapeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  bool reads_input_data(int) const override { return false; }
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.error("input 0 is required");
    const int r = ctx.rank(0);
    int64_t start = attr_int("start", 0);
    int64_t end = attr_int("end", r);
    if (start < 0) start += r;
    if (end < 0) end += r;
    start_ = std::clamp<int64_t>(start, 0, r);
    end_ = std::clamp<int64_t>(end, 0, r);
    ctx.set_output(0, DType::kInt64, {std::max<int64_t>(0, end_ - start_)});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Shape& s = ctx.input(0).shape();
    int64_t* y = ctx.output(0).data<int64_t>();
    for (int64_t i = start_; i < end_; ++i) y[i - start_] = s[static_cast<size_t>(i)];
    return Status::ok();
  }

 private:
  int64_t start_ = 0, end_ = 0;
};

class SizeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  bool reads_input_data(int) const override { return false; }
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.error("input 0 is required");
    ctx.set_output(0, DType::kInt64, {});
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    ctx.output(0).data<int64_t>()[0] = ctx.input(0).numel();
    return Status::ok();
  }
};

}  // namespace

void register_reshape_ops(Registry& r) {
  r.add("", "Reshape", make_impl<ReshapeKernel>("reshape"), true);
  r.add("", "Flatten", make_impl<FlattenKernel>("flatten"), true);
  r.add("", "Squeeze", make_impl<SqueezeKernel>("squeeze"), true);
  r.add("", "Unsqueeze", make_impl<UnsqueezeKernel>("unsqueeze"), true);
  r.add("", "Identity", make_impl<IdentityKernel>("identity"), true);
  r.add("", "Shape", make_impl<ShapeKernel>("shape"), true);
  r.add("", "Size", make_impl<SizeKernel>("size"), true);
}

}  // namespace lacuna::ops
