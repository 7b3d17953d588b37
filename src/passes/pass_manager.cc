// The ordered pass list.
#include "passes/pass_manager.h"

#include <algorithm>
#include <cstdlib>

#include "core/log.h"
#include "ir/verifier.h"
#include "passes/passes.h"

namespace lacuna::passes {

void PassContext::note(const std::string& pass, int count, const std::string& what) {
  if (count <= 0) return;
  log.push_back(pass + ": " + std::to_string(count) + " " + what);
  log_verbose(1, "pass " + log.back());
}

const std::vector<Pass>& pass_list() {
  static const std::vector<Pass> kPasses = {
      // Cheap cleanups first so that pattern-matching passes see canonical graphs.
      {"eliminate_identity", "remove Identity and inference-mode Dropout", eliminate_identity},
      {"eliminate_cast_pairs", "compute half-precision models in float32 between their inputs and outputs",
       eliminate_cast_pairs, /*canonical=*/true},
      // BatchNorm first: it sits between a Conv and the Add/activation that the fusions absorb.
      {"fold_batchnorm", "fold BatchNormalization into the preceding convolution", fold_batchnorm},
      // Residual before activation: Conv -> Add -> Relu fuses into one node only in this order.
      {"fuse_conv_residual", "fuse a following residual Add into the convolution", fuse_conv_residual},
      {"fuse_conv_activation", "fuse a following activation into the convolution", fuse_conv_activation},
      // Decomposed normalizations become single ops (run by the fast row kernels). They come after
      // the cleanups, which remove the Identity and Cast nodes exporters leave inside the chains,
      // and Softmax before fuse_attention, which matches a Softmax node.
      {"fuse_layer_norm", "replace the ReduceMean/Sub/Pow/Sqrt/Div LayerNorm pattern with LayerNormalization",
       fuse_layer_norm},
      {"fuse_softmax", "replace the Exp/ReduceSum/Div Softmax pattern with Softmax", fuse_softmax},
      // Decomposed GELU becomes one op before the GEMM fusions, so it can join a GEMM's epilogue:
      // fuse_gemm_bias leaves the biased MatMul output read only by the Gelu, which
      // fuse_gemm_activation then absorbs.
      {"fuse_gelu", "replace the erf GELU pattern with a Gelu op", fuse_gelu},
      {"fuse_gelu_tanh", "replace the tanh GELU pattern with a Gelu op (approximate=tanh)", fuse_gelu_tanh},
      // Bias, then residual, then activation: the order the epilogue applies them in.
      {"fuse_gemm_bias", "fuse MatMul/Gemm with a following bias Add", fuse_gemm_bias},
      {"fuse_gemm_residual", "fuse a following residual Add into the GEMM", fuse_gemm_residual},
      {"fuse_gemm_activation", "fuse a following activation into the GEMM", fuse_gemm_activation},
      {"fuse_attention", "fuse QK^T, scale, mask, softmax and V with their head reshapes", fuse_attention},
      // Layout after every fusion: it moves whole fused nodes, and needs their final shape.
      {"blocked_layout", "run dense CNN regions in the channel-blocked layout", blocked_layout},
      {"feature_major_layout", "run transformer regions with sparse linear layers channels-first", feature_major_layout},
      // Last: drop whatever the rewrites left unused.
      {"eliminate_dead_code", "remove nodes whose results nothing reads", eliminate_dead_code},
  };
  return kPasses;
}

Status run_passes(ir::Graph& g, PassContext& ctx) {
#ifndef NDEBUG
  const bool verify_default = true;
#else
  const bool verify_default = false;
#endif
  const char* env = std::getenv("LACUNA_VERIFY");
  const bool verify = ctx.verify || verify_default || (env && env[0] == '1');
  for (const Pass& p : pass_list()) {
    if (std::find(ctx.disabled.begin(), ctx.disabled.end(), p.name) != ctx.disabled.end()) continue;
    if (!ctx.optimize && !p.canonical) continue;
    auto r = p.run(g, ctx);
    if (!r) return r.status().with_context(std::string("pass ") + p.name);
    if (verify) {
      Status s = ir::verify(g);
      if (!s.is_ok()) return s.with_context(std::string("after pass ") + p.name);
    }
  }
  return Status::ok();
}

}  // namespace lacuna::passes
