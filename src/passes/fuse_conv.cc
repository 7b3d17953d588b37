// Conv fusions into lacuna:FusedConv: a following Add of a same-shaped tensor (the residual of
// ResNet-style blocks), then a following activation (Relu, Clip, LeakyRelu, Sigmoid, Tanh,
// HardSwish, HardSigmoid-free). The activation comes last, so Conv -> Add -> Relu becomes one node.
#include "ir/dtype_codes.h"
#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

// Turns a Conv into a FusedConv in place (no-op for a FusedConv).
void make_fused(ir::Graph& g, ir::Node& conv) {
  if (conv.domain == "lacuna") return;
  conv.op_type = "FusedConv";
  conv.domain = "lacuna";
  if (!g.opsets.count("lacuna")) g.opsets["lacuna"] = 1;
}

bool fusible_conv(const ir::Node& n) {
  return is_op(n, "Conv") || (is_op(n, "FusedConv", "lacuna") && n.attr_string("activation", "none") == "none");
}

// The activation a node computes, if it is one FusedConv can absorb.
bool activation_of(const ir::Graph& g, const ir::Node& n, ir::Attributes* out) {
  using ir::Attribute;
  if (n.removed || !n.domain.empty() || n.outputs.size() != 1) return false;
  auto set = [&](const char* name, float alpha = 0.f, float beta = 0.f) {
    (*out)["activation"] = Attribute::of_string(name);
    (*out)["activation_alpha"] = Attribute::of_float(alpha);
    (*out)["activation_beta"] = Attribute::of_float(beta);
    return true;
  };
  if (n.op_type == "Relu") return set("relu");
  if (n.op_type == "Sigmoid") return set("sigmoid");
  if (n.op_type == "Tanh") return set("tanh");
  if (n.op_type == "HardSwish") return set("hardswish");
  if (n.op_type == "LeakyRelu") return set("leaky_relu", n.attr_float("alpha", 0.01f));
  if (n.op_type == "Clip") {
    float lo = -3.4028235e38f, hi = 3.4028235e38f;
    if (g.opset("") < 11) {
      lo = n.attr_float("min", lo);
      hi = n.attr_float("max", hi);
    } else {
      for (size_t i = 1; i < 3; ++i) {
        if (!n.has_input(i)) continue;
        const Tensor* t = constant_input(g, n, i);
        if (!t || t->dtype() != DType::kFloat32 || t->numel() != 1) return false;
        (i == 1 ? lo : hi) = t->data<float>()[0];
      }
    }
    if (lo == 0.f && hi == 6.f) return set("relu6");
    return set("clip", lo, hi);
  }
  return false;
}

}  // namespace

Expected<int> fuse_conv_residual(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (size_t ai = 0; ai < g.nodes.size(); ++ai) {
    ir::Node& add = g.nodes[ai];
    if (!is_op(add, "Add") || add.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const ir::ValueId cv = add.inputs[static_cast<size_t>(side)];
      const ir::ValueId z = add.inputs[static_cast<size_t>(1 - side)];
      const int ci = index.producer(cv);
      if (ci < 0 || !index.single_use(cv) || cv == z) continue;
      ir::Node& conv = g.nodes[static_cast<size_t>(ci)];
      if (!fusible_conv(conv) || conv.has_input(3)) continue;
      const ir::Value& c = g.value(cv);
      const ir::Value& zv = g.value(z);
      if (!c.shape || !zv.shape || *c.shape != *zv.shape || c.dtype != DType::kFloat32 || zv.dtype != DType::kFloat32) continue;
      // Z must not depend on the conv (it would create a cycle): require it to come earlier.
      const int zp = index.producer(z);
      if (zp >= ci) continue;
      make_fused(g, conv);
      conv.inputs.resize(4, ir::kNoValue);
      conv.inputs[3] = z;
      conv.outputs[0] = add.outputs[0];
      add.removed = true;
      ++count;
      break;
    }
  }
  ctx.note("fuse_conv_residual", count, "residual Adds fused into convolutions");
  return count;
}

Expected<int> fuse_conv_activation(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& conv = g.nodes[i];
    if (!fusible_conv(conv) || conv.outputs.empty()) continue;
    const ir::ValueId out = conv.outputs[0];
    if (!index.single_use(out)) continue;
    ir::Node& act = g.nodes[static_cast<size_t>(index.consumers(out)[0])];
    ir::Attributes attrs;
    if (!activation_of(g, act, &attrs) || act.inputs[0] != out) continue;
    if (g.value(out).dtype != DType::kFloat32) continue;
    make_fused(g, conv);
    for (auto& [k, v] : attrs) conv.attrs[k] = v;
    conv.outputs[0] = act.outputs[0];
    act.removed = true;
    ++count;
  }
  ctx.note("fuse_conv_activation", count, "activations fused into convolutions");
  return count;
}

}  // namespace lacuna::passes
