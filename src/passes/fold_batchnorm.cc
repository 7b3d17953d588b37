// Folds inference-mode BatchNormalization into the Conv (or FusedConv without activation and
// residual) that feeds it: W' = W * s, B' = (B - mean) * s + beta, s = gamma / sqrt(var + eps).
#include <cmath>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

Expected<int> fold_batchnorm(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (size_t bi = 0; bi < g.nodes.size(); ++bi) {
    ir::Node& bn = g.nodes[bi];
    if (!is_op(bn, "BatchNormalization") || bn.inputs.size() < 5) continue;
    bool extra_outputs = false;
    for (size_t o = 1; o < bn.outputs.size(); ++o) extra_outputs |= bn.outputs[o] != ir::kNoValue;
    if (extra_outputs || bn.attr_int("training_mode", 0) != 0) continue;
    const int ci = index.producer(bn.inputs[0]);
    if (ci < 0 || !index.single_use(bn.inputs[0])) continue;
    ir::Node& conv = g.nodes[static_cast<size_t>(ci)];
    const bool fused = is_op(conv, "FusedConv", "lacuna");
    if (!is_op(conv, "Conv") && !fused) continue;
    if (fused && (conv.has_input(3) || conv.attr_string("activation", "none") != "none")) continue;
    const Tensor* w = constant_input(g, conv, 1);
    const Tensor* scale = constant_input(g, bn, 1);
    const Tensor* beta = constant_input(g, bn, 2);
    const Tensor* mean = constant_input(g, bn, 3);
    const Tensor* var = constant_input(g, bn, 4);
    const Tensor* bias = conv.has_input(2) ? constant_input(g, conv, 2) : nullptr;
    if (!w || !scale || !beta || !mean || !var || (conv.has_input(2) && !bias)) continue;
    if (w->dtype() != DType::kFloat32 || w->rank() < 3) continue;
    const int64_t k = w->dim(0);
    bool ok = true;
    for (const Tensor* t : {scale, beta, mean, var}) ok = ok && t->dtype() == DType::kFloat32 && t->numel() == k;
    if (!ok || (bias && (bias->dtype() != DType::kFloat32 || bias->numel() != k))) continue;
    const float eps = bn.attr_float("epsilon", 1e-5f);
    Tensor nw(DType::kFloat32, w->shape());
    Tensor nb(DType::kFloat32, {k});
    const int64_t per = w->numel() / k;
    for (int64_t o = 0; o < k; ++o) {
      const float s = scale->data<float>()[o] / std::sqrt(var->data<float>()[o] + eps);
      for (int64_t i = 0; i < per; ++i) nw.data<float>()[o * per + i] = w->data<float>()[o * per + i] * s;
      const float b0 = bias ? bias->data<float>()[o] : 0.f;
      nb.data<float>()[o] = (b0 - mean->data<float>()[o]) * s + beta->data<float>()[o];
    }
    conv.inputs.resize(std::max<size_t>(conv.inputs.size(), 3));
    const ir::ValueId old_w = conv.inputs[1];
    conv.inputs[1] = g.add_constant(g.unique_name(conv.name + ".W_bn"), std::move(nw));
    conv.inputs[2] = g.add_constant(g.unique_name(conv.name + ".B_bn"), std::move(nb));
    drop_constant_if_unused(g, old_w);
    conv.outputs[0] = bn.outputs[0];
    bn.removed = true;
    ++count;
  }
  ctx.note("fold_batchnorm", count, "BatchNormalization nodes folded into convolutions");
  return count;
}

}  // namespace lacuna::passes
