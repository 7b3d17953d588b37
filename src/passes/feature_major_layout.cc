// Layout selection for transformer encoders whose linear layers run sparse: their activations
// move from [batch, tokens, hidden] to channels-first [batch, hidden, tokens] ("feature-major").
// There, a linear layer is a 1-D pointwise convolution whose sparse kernel reads a weight's input
// rows in place and writes its output rows with bias, residual and activation fused -- instead of
// transposing every activation tile in and out of each layer.
//
// A region starts from the lacuna:FusedGemm nodes with constant weights that the sparse policy
// runs sparse. Dense FusedGemms, LayerNormalization over the hidden axis, lacuna:Attention and
// elementwise ops join when all their activation inputs come from the region; a sparse linear
// layer with neither a region producer nor a region consumer stays as it is. Where the region
// meets the rest of the graph, lacuna:ToFeatureMajor / FromFeatureMajor convert; inside, token
// rows are padded to an odd number of cache lines (see padded_tokens) and attention only reads
// the real tokens.
//
// Rewrites: FusedGemm -> lacuna:FusedConv with weights [N, K, 1] (alpha folded in),
// LayerNormalization -> lacuna:LayerNormChannels, Attention gets feature_major = 1.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

bool float3d(const ir::Graph& g, ir::ValueId v) {
  if (v == ir::kNoValue) return false;
  const ir::Value& x = g.value(v);
  return x.dtype == DType::kFloat32 && x.shape && x.shape->size() == 3 && !x.is_constant();
}

// A FusedGemm over [batch, tokens, K] with a constant [K, N] (or [N, K]) weight and bias.
bool is_linear(const ir::Graph& g, const ir::Node& n) {
  if (!is_op(n, "FusedGemm", "lacuna") || n.inputs.size() < 2 || n.outputs.size() != 1) return false;
  if (!float3d(g, n.inputs[0]) || !float3d(g, n.outputs[0])) return false;
  const Tensor* w = constant_input(g, n, 1);
  if (!w || w->dtype() != DType::kFloat32 || w->rank() != 2) return false;
  const Tensor* b = constant_input(g, n, 2);
  if (n.has_input(2) && (!b || b->dtype() != DType::kFloat32)) return false;
  if (n.has_input(3) && !float3d(g, n.inputs[3])) return false;
  for (const auto& [key, value] : n.attrs) {
    if (key != "transB" && key != "alpha" && key.rfind("activation", 0) != 0) return false;
  }
  return true;
}

bool is_layer_norm(const ir::Graph& g, const ir::Node& n) {
  if (!is_op(n, "LayerNormalization") || !float3d(g, n.inputs[0])) return false;
  for (size_t i = 1; i < n.outputs.size(); ++i) {
    if (n.outputs[i] != ir::kNoValue) return false;  // Mean / InvStdDev
  }
  const int64_t axis = n.attr_int("axis", -1);
  if (axis != -1 && axis != 2) return false;
  const int64_t hidden = (*g.value(n.inputs[0]).shape)[2];
  for (size_t i = 1; i < 3; ++i) {
    if (!n.has_input(i)) {
      if (i == 1) return false;
      continue;
    }
    const Tensor* t = constant_input(g, n, i);
    if (!t || t->dtype() != DType::kFloat32 || t->shape() != Shape{hidden}) return false;
  }
  return true;
}

bool is_attention(const ir::Graph& g, const ir::Node& n) {
  if (!is_op(n, "Attention", "lacuna") || n.attr_int("feature_major", 0) != 0) return false;
  for (size_t i = 0; i < 3; ++i) {
    if (!float3d(g, n.inputs[i])) return false;
  }
  if (n.has_input(3)) {  // the mask may not vary with the query position
    const ir::Value& m = g.value(n.inputs[3]);
    if (!m.shape) return false;
    if (m.shape->size() >= 2 && (*m.shape)[m.shape->size() - 2] != 1) return false;
  }
  return true;
}

bool is_elementwise(const ir::Graph& g, const ir::Node& n) {
  static const std::set<std::string> kUnary = {"Relu", "Gelu", "Tanh", "Sigmoid", "Erf", "FastGelu"};
  static const std::set<std::string> kBinary = {"Add", "Sub", "Mul"};
  if (n.removed || n.outputs.size() != 1 || !float3d(g, n.outputs[0])) return false;
  if (kUnary.count(n.op_type) && (n.domain.empty() || n.domain == "com.microsoft")) {
    return n.inputs.size() == 1 && float3d(g, n.inputs[0]);
  }
  if (kBinary.count(n.op_type) && n.domain.empty()) {
    return n.inputs.size() == 2 && float3d(g, n.inputs[0]) && float3d(g, n.inputs[1]) &&
           *g.value(n.inputs[0]).shape == *g.value(n.inputs[1]).shape;
  }
  return false;
}

// Token rows of the feature-major tensors: a multiple of 16 floats that is an odd number of
// 64-byte lines, so that one tile's rows spread over every L1 set.
int64_t padded_tokens(int64_t tokens) {
  int64_t p = (tokens + 15) / 16 * 16;
  if ((p / 16) % 2 == 0) p += 16;
  return p;
}

// The activation inputs of a region node (constants and the attention mask pass through).
std::vector<size_t> activation_inputs(const ir::Node& n) {
  if (n.op_type == "FusedGemm") return n.has_input(3) ? std::vector<size_t>{0, 3} : std::vector<size_t>{0};
  if (n.op_type == "LayerNormalization") return {0};
  if (n.op_type == "Attention") return {0, 1, 2};
  std::vector<size_t> all;
  for (size_t i = 0; i < n.inputs.size(); ++i) all.push_back(i);
  return all;
}

}  // namespace

Expected<int> feature_major_layout(ir::Graph& g, PassContext& ctx) {
  if (!ctx.gemm_runs_sparse) return 0;
  const std::vector<int> producer = g.producers();
  const std::vector<std::vector<int>> consumers = g.consumers();
  const size_t count = g.nodes.size();
  std::vector<char> linear(count, 0), sparse(count, 0), in_region(count, 0);
  for (size_t i = 0; i < count; ++i) {
    linear[i] = is_linear(g, g.nodes[i]);
    sparse[i] = linear[i] && ctx.gemm_runs_sparse(g, g.nodes[i]);
    in_region[i] = sparse[i];
  }
  if (std::find(sparse.begin(), sparse.end(), 1) == sparse.end()) return 0;
  auto region_produced = [&](ir::ValueId v) {
    const int p = v == ir::kNoValue ? -1 : producer[static_cast<size_t>(v)];
    return p >= 0 && in_region[static_cast<size_t>(p)];
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < count; ++i) {
      const ir::Node& n = g.nodes[i];
      if (sparse[i] || n.removed) continue;
      bool joins = linear[i] || is_layer_norm(g, n) || is_attention(g, n) || is_elementwise(g, n);
      for (size_t k : activation_inputs(n)) joins = joins && region_produced(n.inputs[k]);
      if (joins != static_cast<bool>(in_region[i])) {
        in_region[i] = joins;
        changed = true;
      }
    }
    for (size_t i = 0; i < count; ++i) {
      if (!sparse[i] || !in_region[i]) continue;
      bool linked = region_produced(g.nodes[i].inputs[0]);
      for (int c : consumers[static_cast<size_t>(g.nodes[i].outputs[0])]) linked = linked || in_region[static_cast<size_t>(c)];
      if (!linked) {
        in_region[i] = 0;
        changed = true;
      }
    }
  }
  std::map<ir::ValueId, ir::ValueId> fm_of;  // [B, T, E] value -> its [B, E, T] twin
  // Every region tensor has the same token count; rows are padded to an odd number of cache lines.
  int64_t tokens = 0;
  for (size_t i = 0; i < count; ++i) {
    if (in_region[i]) tokens = (*g.value(g.nodes[i].outputs[0]).shape)[1];
  }
  for (size_t i = 0; i < count; ++i) {
    if (in_region[i] && (*g.value(g.nodes[i].outputs[0]).shape)[1] != tokens) return 0;
  }
  const int64_t padded = padded_tokens(tokens);
  auto fm_value = [&](ir::ValueId v) {
    const ir::ValueId f = g.add_value(g.unique_name(g.value(v).name + "_fm"), DType::kFloat32);
    const Shape& s = *g.value(v).shape;
    g.value(f).shape = Shape{s[0], s[2], padded};
    return f;
  };
  auto boundary = [&](ir::ValueId in, ir::ValueId out, bool to) {
    ir::Node t;
    t.name = g.unique_name(g.value(to ? in : out).name + (to ? "_to_feature_major" : "_from_feature_major"));
    t.op_type = to ? "ToFeatureMajor" : "FromFeatureMajor";
    t.domain = "lacuna";
    t.inputs = {in};
    t.outputs = {out};
    if (to) t.attrs["padded"] = ir::Attribute::of_int(padded);
    else t.attrs["tokens"] = ir::Attribute::of_int(tokens);
    g.add_node(std::move(t));
  };
  auto to_fm = [&](ir::ValueId v) {
    auto it = fm_of.find(v);
    if (it != fm_of.end()) return it->second;
    const ir::ValueId f = fm_value(v);
    boundary(v, f, true);
    fm_of[v] = f;
    return f;
  };
  std::vector<std::pair<ir::ValueId, ir::ValueId>> outputs;
  for (size_t i = 0; i < count; ++i) {
    if (!in_region[i]) continue;
    const ir::ValueId v = g.nodes[i].outputs[0];
    fm_of[v] = fm_value(v);
    outputs.emplace_back(v, fm_of[v]);
  }
  int converted = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!in_region[i]) continue;
    const std::vector<size_t> acts = activation_inputs(g.nodes[i]);
    std::vector<ir::ValueId> ins = g.nodes[i].inputs;
    for (size_t k : acts) ins[k] = to_fm(ins[k]);
    ir::Node& n = g.nodes[i];
    const ir::ValueId out = n.outputs[0];
    if (n.op_type == "FusedGemm") {
      const Tensor& w = g.value(n.inputs[1]).constant;
      const bool trans_b = n.attr_int("transB", 0) != 0;
      const float alpha = n.attr_float("alpha", 1.f);
      const int64_t k = trans_b ? w.shape()[1] : w.shape()[0], m = trans_b ? w.shape()[0] : w.shape()[1];
      Tensor wc(DType::kFloat32, {m, k, 1});
      const float* src = w.data<float>();
      float* dst = wc.data<float>();
      for (int64_t o = 0; o < m; ++o) {
        for (int64_t c = 0; c < k; ++c) dst[o * k + c] = alpha * (trans_b ? src[o * k + c] : src[c * m + o]);
      }
      ir::Attributes attrs;
      for (const auto& [key, value] : n.attrs) {
        if (key.rfind("activation", 0) == 0) attrs[key] = value;
      }
      attrs["kernel_shape"] = ir::Attribute::of_ints({1});
      n.op_type = "FusedConv";
      n.attrs = attrs;
      const std::string wname = g.value(n.inputs[1]).name + "_conv1d";
      ins[1] = g.add_constant(g.unique_name(wname), std::move(wc));
      if (n.has_input(2)) {
        const Tensor& b = g.value(n.inputs[2]).constant;
        ins[2] = g.add_constant(g.unique_name(g.value(n.inputs[2]).name + "_vector"), b.reshaped({m}));
      }
    } else if (n.op_type == "LayerNormalization") {
      const float eps = n.attr_float("epsilon", 1e-5f);
      n.op_type = "LayerNormChannels";
      n.domain = "lacuna";
      n.attrs.clear();
      n.attrs["epsilon"] = ir::Attribute::of_float(eps);
      n.outputs.resize(1);
    } else if (n.op_type == "Attention") {
      n.attrs["feature_major"] = ir::Attribute::of_int(1);
      n.attrs["tokens"] = ir::Attribute::of_int(tokens);
    }
    ir::Node& node = g.nodes[i];  // add_constant does not touch nodes, but keep it explicit
    const std::vector<ir::ValueId> before = node.inputs;
    node.inputs = ins;
    node.outputs[0] = fm_of.at(out);
    for (size_t k = 1; k < before.size(); ++k) {
      if (k >= ins.size() || before[k] != ins[k]) drop_constant_if_unused(g, before[k]);
    }
    ++converted;
  }
  for (const auto& [v, f] : outputs) {
    bool needed = g.is_graph_output(v);
    for (int c : consumers[static_cast<size_t>(v)]) needed = needed || !in_region[static_cast<size_t>(c)];
    if (needed) boundary(f, v, false);
  }
  if (converted == 0) return 0;
  if (!g.opsets.count("lacuna")) g.opsets["lacuna"] = 1;
  LACUNA_RETURN_IF_ERROR(g.topo_sort());
  ctx.note("feature_major_layout", converted, "transformer nodes moved to the feature-major layout");
  return converted;
}

}  // namespace lacuna::passes
