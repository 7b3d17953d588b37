// Operators that produce tensors from attributes or shapes: Constant, ConstantOfShape.
#include <cstring>

#include "core/dispatch.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

class ConstantKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    using K = ir::Attribute::Kind;
    if (attrs_.size() != 1) return error("expects exactly one value attribute");
    const auto& [name, a] = *attrs_.begin();
    if ((name == "value" || name == "sparse_value") && a.kind == K::kTensor) value_ = a.t;
    else if (name == "value_float" && a.kind == K::kFloat) value_ = Tensor::scalar<float>(a.f);
    else if (name == "value_floats" && a.kind == K::kFloats)
      value_ = Tensor::from_vector<float>({static_cast<int64_t>(a.floats.size())}, a.floats);
    else if (name == "value_int" && a.kind == K::kInt) value_ = Tensor::scalar<int64_t>(a.i);
    else if (name == "value_ints" && a.kind == K::kInts)
      value_ = Tensor::from_vector<int64_t>({static_cast<int64_t>(a.ints.size())}, a.ints);
    else if (name == "value_string" && a.kind == K::kString) value_ = Tensor::scalar<std::string>(a.s);
    else if (name == "value_strings" && a.kind == K::kStrings)
      value_ = Tensor::from_vector<std::string>({static_cast<int64_t>(a.strings.size())}, a.strings);
    else return error("unsupported value attribute '" + name + "'");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    ctx.set_output(0, value_.dtype(), value_.shape());
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    if (y.dtype() == DType::kString) {
      for (int64_t i = 0; i < y.numel(); ++i) y.data<std::string>()[i] = value_.data<std::string>()[i];
    } else if (y.nbytes()) {
      std::memcpy(y.raw(), value_.raw(), y.nbytes());
    }
    return Status::ok();
  }

 private:
  Tensor value_;
};

class ConstantOfShapeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    const ir::Attribute* a = attr("value");
    if (a) {
      if (a->kind != ir::Attribute::Kind::kTensor || a->t.numel() != 1) {
        return error("'value' must be a one-element tensor");
      }
      value_ = a->t;
    } else {
      value_ = Tensor::scalar<float>(0.f);
    }
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt64}));
    const Tensor* s = ctx.value(0);
    if (!s) return ctx.needs_value(0);
    Shape shape = s->to_int64_vector();
    auto n = checked_numel(shape);
    if (!n) return n.status().with_context(node_);
    ctx.set_output(0, value_.dtype(), std::move(shape));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const size_t es = dtype_size(y.dtype());
    auto* d = static_cast<uint8_t*>(y.raw());
    for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(d + i * static_cast<int64_t>(es), value_.raw(), es);
    return Status::ok();
  }

 private:
  Tensor value_;
};

}  // namespace

void register_constant_ops(Registry& r) {
  r.add("", "Constant", make_impl<ConstantKernel>("constant"), true);
  r.add("", "ConstantOfShape", make_impl<ConstantOfShapeKernel>("constant_of_shape"), true);
}

}  // namespace lacuna::ops
