// Layout selection for dense CNNs: regions of dense convolutions, pooling and elementwise ops run
// in the channel-blocked layout ([N, C/B, H, W, B], see ops/blocked_ops.cc), with reorders only
// where a region meets the rest of the graph.
//
// A region starts from every dense 2-D float convolution (groups 1 or depthwise) that the sparse
// policy leaves dense. Pooling and elementwise nodes join when all their tensor inputs come from
// the region, so chains of them never pay for a reorder of their own. A convolution with no
// region producer and no region consumer stays NCHW (two reorders around one layer would cost
// more than the layout saves). A first convolution over a few input channels (an image) reads
// NCHW directly instead of a padded blocked copy.
#include <map>
#include <set>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

constexpr int64_t kPlainInputChannels = 4;  // at most this many input channels: read NCHW

bool float4d(const ir::Graph& g, ir::ValueId v) {
  const ir::Value& x = g.value(v);
  return x.dtype == DType::kFloat32 && x.shape && x.shape->size() == 4 && !x.is_constant();
}

bool is_dense_conv(const ir::Graph& g, const ir::Node& n, PassContext& ctx) {
  if (!(is_op(n, "Conv") || is_op(n, "FusedConv", "lacuna"))) return false;
  if (n.inputs.size() < 2 || n.outputs.size() != 1 || !float4d(g, n.inputs[0]) || !float4d(g, n.outputs[0])) return false;
  const Tensor* w = constant_input(g, n, 1);
  if (!w || w->dtype() != DType::kFloat32 || w->rank() != 4) return false;
  if (n.has_input(2) && !constant_input(g, n, 2)) return false;
  const int64_t groups = n.attr_int("group", 1);
  const int64_t c = (*g.value(n.inputs[0]).shape)[1];
  if (groups != 1 && !(groups == c && w->shape()[0] == c && w->shape()[1] == 1)) return false;
  if (n.has_input(3) && !float4d(g, n.inputs[3])) return false;
  return !(ctx.conv_runs_sparse && ctx.conv_runs_sparse(g, n));
}

bool is_pool(const ir::Graph& g, const ir::Node& n) {
  const bool windowed = is_op(n, "MaxPool") || is_op(n, "AveragePool");
  const bool global = is_op(n, "GlobalAveragePool") || is_op(n, "GlobalMaxPool");
  if (!windowed && !global) return false;
  if (n.inputs.size() != 1 || !float4d(g, n.inputs[0])) return false;
  if (n.outputs.size() > 1 && n.outputs[1] != ir::kNoValue) return false;  // MaxPool's Indices
  if (windowed && n.attr_ints("kernel_shape").size() != 2) return false;
  return true;
}

// Elementwise ops that act lane by lane on same-shaped inputs (or a unary op with constant scalar
// parameters): they run on blocked tensors as is.
bool is_elementwise(const ir::Graph& g, const ir::Node& n) {
  static const std::set<std::string> kUnary = {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu"};
  static const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Max", "Min"};
  if (!n.domain.empty() || n.removed || n.outputs.size() != 1 || !float4d(g, n.outputs[0])) return false;
  if (kUnary.count(n.op_type)) return n.inputs.size() == 1 && float4d(g, n.inputs[0]);
  if (n.op_type == "Clip") {  // bounds (inputs 1 and 2, or attributes) must be constants
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      if (n.has_input(i) && !constant_input(g, n, i)) return false;
    }
    return float4d(g, n.inputs[0]);
  }
  if (kBinary.count(n.op_type)) {
    return n.inputs.size() == 2 && float4d(g, n.inputs[0]) && float4d(g, n.inputs[1]) &&
           *g.value(n.inputs[0]).shape == *g.value(n.inputs[1]).shape;
  }
  return false;
}

}  // namespace

Expected<int> blocked_layout(ir::Graph& g, PassContext& ctx) {
  const int64_t block = ctx.channel_block;
  if (block <= 0) return 0;
  const std::vector<int> producer = g.producers();
  const std::vector<std::vector<int>> consumers = g.consumers();
  std::vector<char> conv(g.nodes.size(), 0), in_region(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) conv[i] = is_dense_conv(g, g.nodes[i], ctx);
  auto region_produced = [&](ir::ValueId v) {
    const int p = producer[static_cast<size_t>(v)];
    return p >= 0 && in_region[static_cast<size_t>(p)];
  };
  // Grow: convolutions, then (in topological order) pooling / elementwise nodes fed by the region;
  // drop isolated convolutions; repeat until nothing changes.
  for (size_t i = 0; i < g.nodes.size(); ++i) in_region[i] = conv[i];
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const ir::Node& n = g.nodes[i];
      if (conv[i] || n.removed) continue;
      bool joins = is_pool(g, n) || is_elementwise(g, n);
      for (ir::ValueId v : n.inputs) {
        if (v != ir::kNoValue && !g.value(v).is_constant()) joins = joins && region_produced(v);
      }
      if (joins != static_cast<bool>(in_region[i])) {
        in_region[i] = joins;
        changed = true;
      }
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      if (!conv[i] || !in_region[i]) continue;
      const ir::Node& n = g.nodes[i];
      bool linked = region_produced(n.inputs[0]);
      for (int c : consumers[static_cast<size_t>(n.outputs[0])]) linked = linked || in_region[static_cast<size_t>(c)];
      if (!linked) {
        in_region[i] = 0;
        changed = true;
      }
    }
  }
  int converted = 0;
  std::map<ir::ValueId, ir::ValueId> blocked_of;  // NCHW value -> its blocked form
  auto channels_of = [&](ir::ValueId v) { return (*g.value(v).shape)[1]; };
  auto blocked_value = [&](ir::ValueId v) {
    ir::ValueId b = g.add_value(g.unique_name(g.value(v).name + "_blocked"), DType::kFloat32);
    const Shape& s = *g.value(v).shape;
    g.value(b).shape = Shape{s[0], (s[1] + block - 1) / block, s[2], s[3], block};
    return b;
  };
  // The blocked form of an NCHW value that comes from outside the region (one reorder per value).
  auto to_blocked = [&](ir::ValueId v) {
    auto it = blocked_of.find(v);
    if (it != blocked_of.end()) return it->second;
    const ir::ValueId b = blocked_value(v);
    ir::Node r;
    r.name = g.unique_name(g.value(v).name + "_to_blocked");
    r.op_type = "ToBlocked";
    r.domain = "lacuna";
    r.inputs = {v};
    r.outputs = {b};
    r.attrs["block"] = ir::Attribute::of_int(block);
    g.add_node(std::move(r));
    blocked_of[v] = b;
    return b;
  };
  // Region outputs first: each gets a blocked twin that the region writes.
  const size_t original = g.nodes.size();
  std::vector<std::pair<ir::ValueId, ir::ValueId>> outputs;  // (NCHW value, blocked twin)
  for (size_t i = 0; i < original; ++i) {
    if (!in_region[i]) continue;
    const ir::ValueId v = g.nodes[i].outputs[0];
    const ir::ValueId b = blocked_value(v);
    blocked_of[v] = b;
    outputs.emplace_back(v, b);
  }
  for (size_t i = 0; i < original; ++i) {
    if (!in_region[i]) continue;
    // Copy what is needed first: to_blocked() may grow g.nodes.
    const ir::ValueId out = g.nodes[i].outputs[0];
    const ir::ValueId x = g.nodes[i].inputs[0];
    if (conv[i]) {
      const bool plain = !region_produced(x) && channels_of(x) <= kPlainInputChannels;
      const ir::ValueId xin = plain ? x : to_blocked(x);
      ir::ValueId z = ir::kNoValue;
      if (g.nodes[i].has_input(3)) z = to_blocked(g.nodes[i].inputs[3]);
      ir::Node& n = g.nodes[i];
      n.op_type = "BlockedConv";
      n.domain = "lacuna";
      n.inputs[0] = xin;
      if (z != ir::kNoValue) n.inputs[3] = z;
      n.attrs["block"] = ir::Attribute::of_int(block);
      n.attrs["src_plain"] = ir::Attribute::of_int(plain ? 1 : 0);
    } else if (is_pool(g, g.nodes[i])) {
      const ir::ValueId xin = to_blocked(x);
      ir::Node& n = g.nodes[i];
      n.attrs["pool_op"] = ir::Attribute::of_string(n.op_type);
      n.attrs["block"] = ir::Attribute::of_int(block);
      n.attrs["channels"] = ir::Attribute::of_int(channels_of(x));
      n.op_type = "BlockedPool";
      n.domain = "lacuna";
      n.inputs = {xin};
      n.outputs.resize(1);
    } else {
      const std::vector<ir::ValueId> plain_ins = g.nodes[i].inputs;
      std::vector<ir::ValueId> ins;
      for (ir::ValueId v : plain_ins) {
        ins.push_back(v == ir::kNoValue || g.value(v).is_constant() ? v : to_blocked(v));
      }
      g.nodes[i].inputs = ins;
    }
    g.nodes[i].outputs[0] = blocked_of.at(out);
    ++converted;
  }
  // Back to NCHW where the region's results leave it (other nodes, graph outputs).
  for (const auto& [v, b] : outputs) {
    bool needed = g.is_graph_output(v);
    for (int c : consumers[static_cast<size_t>(v)]) needed = needed || !in_region[static_cast<size_t>(c)];
    if (!needed) continue;
    ir::Node r;
    r.name = g.unique_name(g.value(v).name + "_from_blocked");
    r.op_type = "FromBlocked";
    r.domain = "lacuna";
    r.inputs = {b};
    r.outputs = {v};
    r.attrs["block"] = ir::Attribute::of_int(block);
    r.attrs["channels"] = ir::Attribute::of_int(channels_of(v));
    g.add_node(std::move(r));
  }
  if (converted == 0) return 0;
  if (!g.opsets.count("lacuna")) g.opsets["lacuna"] = 1;
  LACUNA_RETURN_IF_ERROR(g.topo_sort());
  ctx.note("blocked_layout", converted, "nodes moved to the " + std::to_string(block) + "-channel blocked layout");
  return converted;
}

}  // namespace lacuna::passes
