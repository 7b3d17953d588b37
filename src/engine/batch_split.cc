#include "engine/batch_split.h"

#include <cstring>
#include <set>
#include <string>

namespace lacuna::engine {

namespace {

// Ops that compute every sample on its own whatever their attributes, given that all their
// non-constant inputs and outputs keep the batch as dimension 0.
const std::set<std::string>& per_sample_ops() {
  static const std::set<std::string> ops = {
      // unary elementwise and activations
      "Abs", "Neg", "Relu", "Clip", "Sigmoid", "Tanh", "Erf", "Gelu", "Exp", "Log", "Sqrt", "Reciprocal", "Floor",
      "Ceil", "Round", "Sign", "Not", "Cast", "Identity", "Dropout", "LeakyRelu", "HardSigmoid", "HardSwish", "Softplus",
      "Softsign", "Elu", "Selu", "Celu", "Mish", "ThresholdedRelu", "Sin", "Cos", "IsNaN", "IsInf",
      // elementwise with broadcasting (constant operands are checked separately)
      "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Less", "LessOrEqual",
      "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Mod", "PRelu",
      // spatial ops over [N, C, ...]
      "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
      "GlobalLpPool", "BatchNormalization", "InstanceNormalization", "LRN", "Resize", "Upsample",
      "DepthToSpace", "SpaceToDepth",
      // reshapes that keep dimension 0 (checked through the shapes)
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand",
      // quantized models
      "QuantizeLinear", "DequantizeLinear", "QLinearConv", "ConvInteger"};
  return ops;
}

const std::set<std::string>& elementwise_ops() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Where",
                                            "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or",
                                            "Xor", "Mod", "PRelu"};
  return ops;
}

bool constant(const ir::Graph& g, ir::ValueId v) { return v != ir::kNoValue && g.value(v).is_constant(); }

// Calls fn(node, weight, linear) for each Conv, Gemm and MatMul with a constant weight.
template <class Fn>
void for_each_weighted_layer(const ir::Graph& g, Fn fn) {
  for (const ir::Node& n : g.nodes) {
    if (n.removed || !n.domain.empty()) continue;
    const bool linear = n.op_type == "Gemm" || n.op_type == "MatMul";
    if (!linear && n.op_type != "Conv") continue;
    if (n.inputs.size() < 2 || !constant(g, n.inputs[1]) || n.outputs.empty()) continue;
    fn(n, g.value(n.inputs[1]).constant, linear);
  }
}

int64_t norm_axis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

// Whether every slice of `t` along dimension 0 holds the same bytes.
bool same_for_every_sample(const Tensor& t) {
  if (t.dtype() == DType::kString || !t.raw() || t.rank() == 0 || t.shape()[0] <= 0) return false;
  const size_t slice = t.nbytes() / static_cast<size_t>(t.shape()[0]);
  const auto* bytes = static_cast<const unsigned char*>(t.raw());
  for (int64_t i = 1; i < t.shape()[0]; ++i) {
    if (std::memcmp(bytes, bytes + static_cast<size_t>(i) * slice, slice) != 0) return false;
  }
  return true;
}

// The op-specific conditions under which a node leaves dimension 0 alone.
bool node_is_per_sample(const ir::Graph& g, const ir::Node& n, int64_t batch, const std::set<ir::ValueId>& folded) {
  if (!n.domain.empty()) return false;
  const std::string& op = n.op_type;
  const size_t rank = g.value(n.outputs[0]).shape->size();
  if (elementwise_ops().count(op)) {
    // A constant operand must broadcast along dimension 0 (rank below the output's, or a 1 there),
    // or be folded from the input's shape alone (the same for every sample: BERT's token-type
    // embeddings of ConstantOfShape(Shape(input_ids))), which the batch-1 plan folds for one.
    for (ir::ValueId v : n.inputs) {
      if (!constant(g, v)) continue;
      const Tensor& c = g.value(v).constant;
      const Shape& s = c.shape();
      if (s.size() < rank || s.empty() || s[0] == 1) continue;
      if (!(s[0] == batch && folded.count(v) && same_for_every_sample(c))) return false;
    }
    return true;
  }
  if (per_sample_ops().count(op)) {
    if (op == "Unsqueeze" || op == "Squeeze") return true;  // dimension 0 checked through the shapes
    if (op == "BatchNormalization") return n.attr_int("training_mode", 0) == 0;
    return true;
  }
  if (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") {
    return norm_axis(n.attr_int("axis", g.opset("") >= 13 ? -1 : 1), rank) >= 1;
  }
  if (op == "LayerNormalization") return norm_axis(n.attr_int("axis", -1), rank) >= 1;
  if (op == "Concat" || op == "Split") return norm_axis(n.attr_int("axis", 0), rank) >= 1;
  if (op == "Transpose") {
    const auto perm = n.attr_ints("perm", {});
    return !perm.empty() && perm[0] == 0;
  }
  if (op == "Gather") {
    // An embedding lookup (constant table, per-sample indices) or a gather along a later axis.
    if (constant(g, n.inputs[0])) return n.attr_int("axis", 0) == 0;
    return norm_axis(n.attr_int("axis", 0), g.value(n.inputs[0]).shape->size()) >= 1;
  }
  if (op == "Gemm") {
    return n.attr_int("transA", 0) == 0 && constant(g, n.inputs[1]) && (!n.has_input(2) || constant(g, n.inputs[2]));
  }
  if (op == "MatMul" || op == "QLinearMatMul" || op == "MatMulInteger") {
    const ir::ValueId a = n.inputs[0];
    const ir::ValueId b = op == "QLinearMatMul" ? n.inputs[3] : n.inputs[1];
    const size_t ra = g.value(a).shape->size(), rb = g.value(b).shape->size();
    if (constant(g, b)) return rb <= 2 || ra >= rb;
    // Two activations: batched products per sample only.
    return ra >= 3 && rb >= 3 && !constant(g, a);
  }
  if (op == "Slice") {
    // Constant axes that skip dimension 0.
    if (n.inputs.size() < 4 || !constant(g, n.inputs[3])) return false;
    for (int64_t ax : g.value(n.inputs[3]).constant.to_int64_vector()) {
      if (norm_axis(ax, rank) == 0) return false;
    }
    return true;
  }
  if (op.rfind("Reduce", 0) == 0) {
    std::vector<int64_t> axes = n.attr_ints("axes", {});
    if (axes.empty() && n.inputs.size() > 1 && constant(g, n.inputs[1])) {
      axes = g.value(n.inputs[1]).constant.to_int64_vector();
    }
    if (axes.empty()) return false;  // all axes
    const size_t in_rank = g.value(n.inputs[0]).shape->size();
    for (int64_t ax : axes) {
      if (norm_axis(ax, in_rank) == 0) return false;
    }
    return true;
  }
  if (op == "Pad") {
    if (n.inputs.size() < 2 || !constant(g, n.inputs[1]) || n.has_input(3)) return false;
    const auto pads = g.value(n.inputs[1]).constant.to_int64_vector();
    return pads.size() == 2 * rank && pads[0] == 0 && pads[rank] == 0;
  }
  return false;
}

}  // namespace

int64_t separable_batch(const ir::Graph& g, const std::set<ir::ValueId>& folded) {
  int64_t batch = 0;
  auto batch_dim = [&](ir::ValueId v) -> int64_t {
    const ir::Value& x = g.value(v);
    // Samples are sliced and gathered as bytes: string tensors stay whole.
    if (x.kind != ValueKind::kTensor || x.dtype == DType::kString || !x.shape || x.shape->empty()) return -1;
    return (*x.shape)[0];
  };
  for (ir::ValueId v : g.inputs) {
    if (constant(g, v)) continue;
    const int64_t b = batch_dim(v);
    if (b < 2 || (batch && b != batch)) return 0;
    batch = b;
  }
  if (!batch) return 0;
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    if (n.outputs.empty() || n.outputs[0] == ir::kNoValue || !n.implicit_inputs.empty()) return 0;
    for (ir::ValueId v : n.inputs) {
      if (v == ir::kNoValue || constant(g, v)) continue;
      if (batch_dim(v) != batch) return 0;
    }
    for (ir::ValueId v : n.outputs) {
      if (v == ir::kNoValue) continue;
      if (constant(g, v)) continue;
      if (batch_dim(v) != batch) return 0;
    }
    if (!node_is_per_sample(g, n, batch, folded)) return 0;
  }
  for (ir::ValueId v : g.outputs) {
    if (!constant(g, v) && batch_dim(v) != batch) return 0;
    if (constant(g, v)) return 0;
  }
  return batch;
}

bool split_pays_off(const ir::Graph& g, int64_t max_weight_bytes, const RunsSparse& runs_sparse) {
  double macs = 0, sparse_macs = 0;
  bool big_linear = false;
  for_each_weighted_layer(g, [&](const ir::Node& n, const Tensor& w, bool linear) {
    if (linear && static_cast<int64_t>(w.nbytes()) > max_weight_bytes) big_linear = true;
    const auto& y = g.value(n.outputs[0]).shape;
    if (!y || y->size() < 2) return;
    // Each weight multiplies once per output element of its channel: numel(y) / channels.
    const int64_t channels = linear ? y->back() : (*y)[1];
    if (channels <= 0) return;
    const double m = static_cast<double>(w.numel()) * static_cast<double>(numel(*y) / channels);
    macs += m;
    if (runs_sparse(g, n)) sparse_macs += m;
  });
  return !big_linear && macs > 0 && 2 * sparse_macs >= macs;
}

bool parts_pay_off(const ir::Graph& g, int64_t max_weight_bytes, const RunsSparse& runs_sparse) {
  bool ok = true;
  for_each_weighted_layer(g, [&](const ir::Node& n, const Tensor& w, bool linear) {
    if (linear && static_cast<int64_t>(w.nbytes()) > max_weight_bytes && runs_sparse(g, n)) ok = false;
  });
  return ok;
}

}  // namespace lacuna::engine
