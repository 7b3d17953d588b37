// HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix: generators whose output shape
// comes from input values, in the dtype named by `output_datatype`.
#include <cmath>
#include <vector>

#include "core/dispatch.h"
#include "ir/dtype_codes.h"
#include "kernels/ref/windows.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/scalar_values.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Reads `output_datatype` (default float32) and checks it names a numeric dtype.
class GeneratorBase : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    auto t = ir::dtype_from_code(attr_int("output_datatype", 1));
    if (!t) return t.status().with_context(node_);
    if (*t == DType::kString || *t == DType::kBool) return error("output_datatype must be numeric");
    out_ = *t;
    return Status::ok();
  }

 protected:
  DType out_ = DType::kFloat32;
};

template <ref::WindowKind kKind>
class WindowKernel : public GeneratorBase {
 public:
  using GeneratorBase::GeneratorBase;

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kInt32, DType::kInt64}));
    const Tensor* v = ctx.value(0);
    if (!v) return ctx.needs_value(0);
    LACUNA_ASSIGN_OR_RETURN(size_, scalar_int(*v, node_ + ": size"));
    if (size_ < 0) return ctx.bad_input("size must not be negative, not " + std::to_string(size_));
    ctx.set_output(0, out_, {size_});
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const bool periodic = attr_int("periodic", 1) != 0;
    const int64_t size = size_;
    const bool ok = visit_numeric(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* d = y.data<T>();
      for (int64_t k = 0; k < size; ++k)
        d[k] = from_double<T>(ref::cosine_window_value(kKind, k, size, periodic));
    });
    return ok ? Status::ok() : dtype_not_supported(out_);
  }

 private:
  int64_t size_ = 0;
};

class MelWeightMatrixKernel : public GeneratorBase {
 public:
  using GeneratorBase::GeneratorBase;

  Status infer(InferContext& ctx) override {
    for (int i = 0; i < 3; ++i) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kInt32, DType::kInt64}));
    for (int i = 3; i < 5; ++i)
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32, DType::kFloat64}));
    const Tensor* bins = ctx.value(0);
    if (!bins) return ctx.needs_value(0);
    const Tensor* length = ctx.value(1);
    if (!length) return ctx.needs_value(1);
    LACUNA_ASSIGN_OR_RETURN(p_.num_mel_bins, scalar_int(*bins, node_ + ": num_mel_bins"));
    LACUNA_ASSIGN_OR_RETURN(p_.dft_length, scalar_int(*length, node_ + ": dft_length"));
    if (p_.num_mel_bins <= 0) return ctx.bad_input("num_mel_bins must be positive");
    if (p_.dft_length <= 0) return ctx.bad_input("dft_length must be positive");
    Shape y{p_.dft_length / 2 + 1, p_.num_mel_bins};
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    ctx.set_output(0, out_, std::move(y));
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    LACUNA_ASSIGN_OR_RETURN(p_.sample_rate, scalar_int(ctx.input(2), node_ + ": sample_rate"));
    LACUNA_ASSIGN_OR_RETURN(p_.lower_edge_hertz, scalar_double(ctx.input(3), node_ + ": lower_edge_hertz"));
    LACUNA_ASSIGN_OR_RETURN(p_.upper_edge_hertz, scalar_double(ctx.input(4), node_ + ": upper_edge_hertz"));
    if (p_.sample_rate <= 0) return ctx.error("sample_rate must be positive");
    if (!std::isfinite(p_.lower_edge_hertz) || !std::isfinite(p_.upper_edge_hertz) ||
        p_.lower_edge_hertz < 0 || p_.upper_edge_hertz < p_.lower_edge_hertz) {
      return ctx.error("needs 0 <= lower_edge_hertz <= upper_edge_hertz");
    }
    Tensor& y = ctx.output(0);
    std::vector<double> m(static_cast<size_t>(y.numel()));
    ref::mel_weight_matrix(p_, m.data());
    return store_doubles(m.data(), y) ? Status::ok() : dtype_not_supported(out_);
  }

 private:
  ref::MelParams p_;
};

}  // namespace

void register_window_ops(Registry& r) {
  r.add("", "HannWindow", make_impl<WindowKernel<ref::WindowKind::kHann>>("hann_window_ref"));
  r.add("", "HammingWindow", make_impl<WindowKernel<ref::WindowKind::kHamming>>("hamming_window_ref"));
  r.add("", "BlackmanWindow", make_impl<WindowKernel<ref::WindowKind::kBlackman>>("blackman_window_ref"));
  r.add("", "MelWeightMatrix", make_impl<MelWeightMatrixKernel>("mel_weight_matrix_ref"));
}

}  // namespace lacuna::ops
