// lacuna:Attention(Q, K, V, [mask]) = multi-head scaled dot-product attention on
// [batch, seq, heads * head_dim] tensors (attributes num_heads, scale); the mask is additive and
// broadcasts to [batch, heads, seq_q, seq_k]. With feature_major = 1 (self-attention only), Q, K,
// V and the output are channels-first, [batch, heads * head_dim, padded], of which the first
// `tokens` columns are the sequence (the layout the feature_major_layout pass picks). The graph optimizer builds it from the
// MatMul -> scale -> Add(mask) -> Softmax -> MatMul chain of BERT-style exports, together with
// the head-splitting Reshape/Transpose nodes around it.
#include <algorithm>
#include <vector>

#include "kernels/dense/attention.h"
#include "kernels/ref/attention.h"
#include "ops/families.h"
#include "ops/fused_ops.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

class AttentionKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status init() {
    heads_ = attr_int("num_heads", 0);
    scale_ = attr_float("scale", 1.f);
    feature_major_ = attr_int("feature_major", 0) != 0;
    tokens_ = attr_int("tokens", 0);
    if (heads_ <= 0) return error("num_heads must be positive");
    return Status::ok();
  }
  // [batch, seq, hidden] of an input or output, whichever its layout.
  Shape logical(const Shape& s) const {
    return feature_major_ ? Shape{s[0], tokens_ > 0 ? tokens_ : s[2], s[1]} : s;
  }
  Status infer(InferContext& ctx) override {
    for (int i = 0; i < 3; ++i) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32}));
      if (ctx.rank(i) != 3) {
        return ctx.bad_input(feature_major_ ? "Q, K and V must be [batch, hidden, seq]" : "Q, K and V must be [batch, seq, hidden]");
      }
    }
    if (feature_major_) {
      if (ctx.shape(1) != ctx.shape(0) || ctx.shape(2) != ctx.shape(0)) {
        return ctx.bad_input("feature-major Q, K and V must have one shape");
      }
      if (tokens_ > ctx.shape(0)[2]) return ctx.bad_input("tokens exceeds the padded sequence");
    }
    padded_ = ctx.shape(0)[feature_major_ ? 2 : 1];
    const Shape q = logical(ctx.shape(0));
    const Shape k = logical(ctx.shape(1));
    const Shape v = logical(ctx.shape(2));
    if (k != v || k[0] != q[0] || k[2] != q[2]) return ctx.bad_input("Q, K, V shapes do not match");
    if (q[2] % heads_ != 0) return ctx.bad_input("hidden size is not divisible by num_heads");
    p_ = kernels::ref::AttentionParams{q[0], q[1], k[1], heads_, q[2] / heads_, scale_, nullptr, 0, 0, 0};
    if (ctx.has_input(3)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(3, {DType::kFloat32}));
      const Shape& m = ctx.shape(3);
      if (m.size() > 4 || m.empty() || m.back() != k[1]) return ctx.bad_input("the mask must end in seq_k");
      Shape m4(4 - m.size(), 1);
      m4.insert(m4.end(), m.begin(), m.end());
      const int64_t full[3] = {q[0], heads_, q[1]};
      int64_t stride = m4[3];
      int64_t strides[3];
      for (int d = 2; d >= 0; --d) {
        if (m4[static_cast<size_t>(d)] != 1 && m4[static_cast<size_t>(d)] != full[d]) {
          return ctx.bad_input("the mask " + shape_to_string(m) + " does not broadcast to the scores");
        }
        strides[d] = m4[static_cast<size_t>(d)] == 1 ? 0 : stride;
        stride *= m4[static_cast<size_t>(d)];
      }
      p_.mask_stride_b = strides[0];
      p_.mask_stride_h = strides[1];
      p_.mask_stride_q = strides[2];
    }
    ctx.set_output(0, DType::kFloat32, ctx.shape(0));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    kernels::ref::AttentionParams p = p_;
    p.mask = ctx.has_input(3) ? ctx.input(3).data<float>() : nullptr;
    if (!feature_major_) {
      kernels::ref::attention(p, ctx.input(0).data<float>(), ctx.input(1).data<float>(), ctx.input(2).data<float>(),
                              ctx.output(0).data<float>());
      return Status::ok();
    }
    // Through the [batch, seq, hidden] reference: transpose in, attend, transpose out (padding
    // columns of the output zeroed).
    const int64_t e = p.heads * p.head_dim, t = p.seq_q, pad = padded_;
    std::vector<float> q(static_cast<size_t>(p.batch * t * e)), k(q.size()), v(q.size()), o(q.size());
    auto to_rows = [&](const float* x, float* y) {  // [B, E, pad] -> [B, t, E]
      for (int64_t b = 0; b < p.batch; ++b)
        for (int64_t r = 0; r < e; ++r)
          for (int64_t c = 0; c < t; ++c) y[(b * t + c) * e + r] = x[(b * e + r) * pad + c];
    };
    to_rows(ctx.input(0).data<float>(), q.data());
    to_rows(ctx.input(1).data<float>(), k.data());
    to_rows(ctx.input(2).data<float>(), v.data());
    kernels::ref::attention(p, q.data(), k.data(), v.data(), o.data());
    float* out = ctx.output(0).data<float>();
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t r = 0; r < e; ++r)
        for (int64_t c = 0; c < pad; ++c) out[(b * e + r) * pad + c] = c < t ? o[(b * t + c) * e + r] : 0.f;
    return Status::ok();
  }

 protected:
  int64_t heads_ = 0;
  float scale_ = 1.f;
  bool feature_major_ = false;
  int64_t tokens_ = 0, padded_ = 0;
  kernels::ref::AttentionParams p_{};
};

class AttentionFastKernel : public AttentionKernel {
 public:
  using AttentionKernel::AttentionKernel;
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.inputs[0].shape || !ctx.outputs[0].set) return not_supported("shapes are only known at run time");
    gemm_ = &kernels::select_gemm_kernel(*ctx.options->cpu);
    rows_ = &kernels::select_row_kernels(*ctx.options->cpu);
    const int64_t e = p_.heads * p_.head_dim;
    s_ = kernels::AttentionShape{p_.batch, p_.seq_q, p_.seq_k, p_.heads, p_.head_dim, e, e, e, e};
    if (feature_major_) s_.q_stride = s_.k_stride = s_.v_stride = s_.out_stride = padded_;
    if (feature_major_ && p_.mask_stride_q != 0) return not_supported("a mask that varies with the query position");
    per_thread_ = static_cast<size_t>(feature_major_ ? kernels::attention_feature_major_scratch_floats(*gemm_, s_)
                                                     : kernels::attention_scratch_floats(*gemm_, s_));
    ctx.scratch_bytes = per_thread_ * static_cast<size_t>(std::max(1, ctx.options->num_threads)) * sizeof(float);
    ctx.flops = 4.0 * static_cast<double>(p_.batch * p_.heads * p_.seq_q * p_.seq_k * p_.head_dim);
    ctx.decision = std::string(feature_major_ ? "fused attention, feature-major, " : "fused attention ") + gemm_->name +
                   " + " + rows_->name;
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    kernels::AttentionMask m;
    if (ctx.has_input(3)) m = {ctx.input(3).data<float>(), p_.mask_stride_b, p_.mask_stride_h, p_.mask_stride_q};
    const float* q = ctx.input(0).data<float>();
    const float* k = ctx.input(1).data<float>();
    const float* v = ctx.input(2).data<float>();
    float* out = ctx.output(0).data<float>();
    auto* scratch = static_cast<float*>(ctx.scratch);
    const int64_t work = s_.batch * s_.heads;
    ctx.pool->parallel([&](int tid, int nt) {
      float* mine = scratch + per_thread_ * static_cast<size_t>(tid);
      if (feature_major_) {
        kernels::attention_feature_major(*gemm_, *rows_, s_, q, k, v, m, p_.scale, out, work * tid / nt,
                                         work * (tid + 1) / nt, mine);
      } else {
        kernels::attention(*gemm_, *rows_, s_, q, k, v, m, p_.scale, out, work * tid / nt, work * (tid + 1) / nt, mine);
      }
    });
    return Status::ok();
  }

 private:
  const kernels::GemmKernel* gemm_ = nullptr;
  const kernels::RowKernels* rows_ = nullptr;
  kernels::AttentionShape s_;
  size_t per_thread_ = 0;
};

}  // namespace

void register_attention_ops(Registry& r) {
  r.add(kLacunaDomain, "Attention", make_impl<AttentionKernel>("attention_ref"));
}

void register_attention_fast_ops(Registry& r) {
  r.add(kLacunaDomain, "Attention", make_impl<AttentionFastKernel>("attention_fast", false));
}

}  // namespace lacuna::ops
