// Optimized Softmax, LogSoftmax and LayerNormalization over contiguous float32 rows (the
// normalized axes are the trailing ones), on the per-ISA row kernels.
#include <algorithm>

#include "kernels/dense/rowops.h"
#include "ops/families.h"
#include "ops/fast_path.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

// Rows x n for normalizing over axes [axis, rank).
void split_rows(const Shape& s, int axis, int64_t* rows, int64_t* n) {
  *rows = 1;
  *n = 1;
  for (int d = 0; d < static_cast<int>(s.size()); ++d) (d < axis ? *rows : *n) *= s[static_cast<size_t>(d)];
}

template <bool kLog>
class SoftmaxFastKernel : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32) return not_supported("only float32");
    const int r = ctx.rank(0);
    const bool coerce_2d = opset_ < 13;
    int64_t axis = attr_int("axis", coerce_2d ? 1 : -1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) return not_supported("axis");
    if (!coerce_2d && axis != r - 1) return not_supported("the softmax axis is not the innermost");
    split_rows(ctx.shape(0), static_cast<int>(axis), &rows_, &n_);
    if (n_ == 0) return not_supported("empty rows");
    k_ = &kernels::select_row_kernels(*ctx.options->cpu);
    ctx.decision = k_->name;
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const int64_t n = n_;
    ctx.pool->parallel_for(rows_, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        if constexpr (kLog) k_->log_softmax(x + r * n, y + r * n, n);
        else k_->softmax(x + r * n, y + r * n, n, 1.f, nullptr);
      }
    });
    return Status::ok();
  }

 private:
  int64_t rows_ = 0, n_ = 0;
  const kernels::RowKernels* k_ = nullptr;
};

class LayerNormFastKernel : public FastPathKernel {
 public:
  using FastPathKernel::FastPathKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape) return not_supported("shapes are only known at run time");
    if (ctx.dtype(0) != DType::kFloat32) return not_supported("only float32");
    const int r = ctx.rank(0);
    int64_t axis = attr_int("axis", -1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) return not_supported("axis");
    split_rows(ctx.shape(0), static_cast<int>(axis), &rows_, &n_);
    for (int i = 1; i < 3; ++i) {  // scale and bias must cover the normalized block exactly
      if (ctx.has_input(i) && (ctx.dtype(i) != DType::kFloat32 || numel(ctx.shape(i)) != n_)) {
        return not_supported("broadcast scale/bias");
      }
    }
    eps_ = attr_float("epsilon", 1e-5f);
    k_ = &kernels::select_row_kernels(*ctx.options->cpu);
    ctx.decision = k_->name;
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    const float* gamma = ctx.has_input(1) ? ctx.input(1).data<float>() : nullptr;
    const float* beta = ctx.has_input(2) ? ctx.input(2).data<float>() : nullptr;
    float* mean = ctx.has_output(1) ? ctx.output(1).data<float>() : nullptr;
    float* inv = ctx.has_output(2) ? ctx.output(2).data<float>() : nullptr;
    const int64_t n = n_;
    ctx.pool->parallel_for(rows_, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        k_->layernorm(x + r * n, y + r * n, n, gamma, beta, eps_, mean ? mean + r : nullptr, inv ? inv + r : nullptr);
      }
    });
    return Status::ok();
  }

 private:
  int64_t rows_ = 0, n_ = 0;
  float eps_ = 1e-5f;
  const kernels::RowKernels* k_ = nullptr;
};

}  // namespace

void register_rowops_fast_ops(Registry& r) {
  r.add("", "Softmax", make_impl<SoftmaxFastKernel<false>>("softmax_fast", false));
  r.add("", "LogSoftmax", make_impl<SoftmaxFastKernel<true>>("log_softmax_fast", false));
  r.add("", "LayerNormalization", make_impl<LayerNormFastKernel>("layer_norm_fast", false));
  r.add("com.microsoft", "LayerNormalization", make_impl<LayerNormFastKernel>("layer_norm_fast", false));
}

}  // namespace lacuna::ops
