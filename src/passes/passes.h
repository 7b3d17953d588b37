// Declarations of every pass; the order they run in is in pass_manager.cc.
#pragma once

#include "passes/pass_manager.h"

namespace lacuna::passes {

Expected<int> eliminate_identity(ir::Graph& g, PassContext& ctx);
Expected<int> eliminate_dead_code(ir::Graph& g, PassContext& ctx);
Expected<int> eliminate_cast_pairs(ir::Graph& g, PassContext& ctx);
Expected<int> fold_batchnorm(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_conv_residual(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_conv_activation(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_layer_norm(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_softmax(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_gelu(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_gelu_tanh(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_gemm_bias(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_gemm_residual(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_gemm_activation(ir::Graph& g, PassContext& ctx);
Expected<int> fuse_attention(ir::Graph& g, PassContext& ctx);
Expected<int> blocked_layout(ir::Graph& g, PassContext& ctx);
Expected<int> feature_major_layout(ir::Graph& g, PassContext& ctx);

}  // namespace lacuna::passes
