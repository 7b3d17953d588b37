// Fuses the LayerNormalization that TF, older PyTorch and HuggingFace exports spell out,
//   mean = ReduceMean(x, [-1]); d = x - mean; var = ReduceMean(Pow(d, 2) | d * d, [-1])
//   n = d / Sqrt(var + eps)  or  d * Reciprocal(Sqrt(var + eps));  y = n [* gamma] [+ beta]
// into one LayerNormalization(x, gamma, beta; axis = -1, epsilon = eps) with opset-17 semantics.
// Only over the last axis, with constant eps, gamma and beta; a missing gamma becomes ones.
#include <cmath>
#include <optional>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

// A constant that scales or shifts the last axis (c channels): a scalar or [.., c] with every
// other dim 1, of dtype `dt`, of rank at most x's (so the elementwise op keeps x's shape).
// Returns it as a [c] tensor.
bool channel_constant(const ir::Graph& g, ir::ValueId v, DType dt, int64_t c, int64_t rank, Tensor* out) {
  if (v == ir::kNoValue || !g.value(v).is_constant()) return false;
  const Tensor& t = g.value(v).constant;
  if (t.dtype() != dt || t.rank() > rank) return false;
  if (t.numel() != 1 && (t.numel() != c || t.dim(-1) != c)) return false;
  const std::vector<double> vals = t.to_double_vector();
  Tensor row(dt, {c});
  for (int64_t i = 0; i < c; ++i) {
    const double x = vals[t.numel() == 1 ? 0 : static_cast<size_t>(i)];
    if (dt == DType::kFloat32) row.data<float>()[i] = static_cast<float>(x);
    else row.data<double>()[i] = x;
  }
  *out = std::move(row);
  return true;
}

struct Match {
  ir::ValueId x = ir::kNoValue;
  float eps = 0.f;
  Tensor gamma, beta;  // [c]; gamma defaults to ones, beta may stay undefined
  ir::ValueId out = ir::kNoValue;
  std::vector<int> remove;  // every matched node except the first ReduceMean
};

// The normalizing node n (d / std or d * Reciprocal(std)); on success returns std and the
// nodes between it and n.
bool match_normalize(const ir::Graph& g, const GraphIndex& index, const ir::Node& n, ir::ValueId d,
                     ir::ValueId* std_v, std::vector<int>* nodes) {
  if (is_op(n, "Div") && n.inputs.size() == 2 && n.inputs[0] == d && n.inputs[1] != d) {
    *std_v = n.inputs[1];
    return true;
  }
  if (!is_op(n, "Mul")) return false;
  const ir::ValueId r = other_input(n, d);
  if (r == ir::kNoValue || r == d || !index.single_use(r)) return false;
  const int ri = index.producer(r);
  if (ri < 0 || !is_op(g.nodes[static_cast<size_t>(ri)], "Reciprocal")) return false;
  nodes->push_back(ri);
  *std_v = g.nodes[static_cast<size_t>(ri)].inputs[0];
  return true;
}

// The squaring node s (Pow(d, 2) or d * d).
bool is_square_of(const ir::Graph& g, const ir::Node& s, ir::ValueId d) {
  if (is_op(s, "Mul")) return s.inputs.size() == 2 && s.inputs[0] == d && s.inputs[1] == d;
  double e = 0;
  return is_op(s, "Pow") && s.inputs.size() == 2 && s.inputs[0] == d && scalar_value(g, s.inputs[1], &e) && e == 2.0;
}

bool match(const ir::Graph& g, const GraphIndex& index, size_t first, Match* m) {
  const ir::Node& mean_node = g.nodes[first];
  if (!is_op(mean_node, "ReduceMean") || mean_node.outputs.size() != 1) return false;
  const ir::ValueId x = mean_node.inputs[0];
  const ir::Value& xv = g.value(x);
  if (!xv.shape || xv.shape->empty() || (xv.dtype != DType::kFloat32 && xv.dtype != DType::kFloat64)) return false;
  const auto rank = static_cast<int64_t>(xv.shape->size());
  const int64_t c = xv.shape->back();
  if (!reduces_one_axis(g, mean_node, rank, rank - 1)) return false;
  // d = x - mean
  const ir::ValueId mean = mean_node.outputs[0];
  const int si = index.sole_consumer(mean);
  if (si < 0) return false;
  const ir::Node& sub = g.nodes[static_cast<size_t>(si)];
  if (!is_op(sub, "Sub") || sub.inputs.size() != 2 || sub.inputs[0] != x || sub.inputs[1] != mean) return false;
  const ir::ValueId d = sub.outputs[0];
  // d is read by the squaring node and the normalizing node, nothing else.
  const std::vector<int>& readers = index.consumers(d);
  if (readers.size() != 2 || g.is_graph_output(d)) return false;
  for (int k = 0; k < 2; ++k) {
    const int sq_i = readers[static_cast<size_t>(k)];
    const int norm_i = readers[static_cast<size_t>(1 - k)];
    const ir::Node& sq = g.nodes[static_cast<size_t>(sq_i)];
    if (!is_square_of(g, sq, d)) continue;
    std::vector<int> nodes = {si, sq_i};
    // var = ReduceMean(sq) over the same axis; std = Sqrt(var + eps).
    const int vi = index.sole_consumer(sq.outputs[0]);
    if (vi < 0 || !is_op(g.nodes[static_cast<size_t>(vi)], "ReduceMean") ||
        !reduces_one_axis(g, g.nodes[static_cast<size_t>(vi)], rank, rank - 1)) {
      return false;
    }
    const ir::ValueId var = g.nodes[static_cast<size_t>(vi)].outputs[0];
    const int ai = index.sole_consumer(var);
    if (ai < 0 || !is_op(g.nodes[static_cast<size_t>(ai)], "Add")) return false;
    const ir::Node& add_eps = g.nodes[static_cast<size_t>(ai)];
    float eps = 0.f;
    if (!scalar_constant(g, other_input(add_eps, var), &eps) || !std::isfinite(eps) || eps < 0.f) return false;
    const int qi = index.sole_consumer(add_eps.outputs[0]);
    if (qi < 0 || !is_op(g.nodes[static_cast<size_t>(qi)], "Sqrt")) return false;
    const ir::ValueId std_v = g.nodes[static_cast<size_t>(qi)].outputs[0];
    nodes.insert(nodes.end(), {vi, ai, qi});
    // n = d / std or d * Reciprocal(std), with std read only there.
    ir::ValueId std_read = ir::kNoValue;
    const ir::Node& norm = g.nodes[static_cast<size_t>(norm_i)];
    if (!match_normalize(g, index, norm, d, &std_read, &nodes) || std_read != std_v || !index.single_use(std_v)) {
      return false;
    }
    nodes.push_back(norm_i);
    // Optional constant gamma, then beta, each only when the value before it has no other use.
    ir::ValueId out = norm.outputs[0];
    Tensor gamma, beta;
    int mi = index.sole_consumer(out);
    if (mi >= 0 && is_op(g.nodes[static_cast<size_t>(mi)], "Mul") &&
        channel_constant(g, other_input(g.nodes[static_cast<size_t>(mi)], out), xv.dtype, c, rank, &gamma)) {
      nodes.push_back(mi);
      out = g.nodes[static_cast<size_t>(mi)].outputs[0];
    }
    mi = index.sole_consumer(out);
    if (mi >= 0 && is_op(g.nodes[static_cast<size_t>(mi)], "Add") &&
        channel_constant(g, other_input(g.nodes[static_cast<size_t>(mi)], out), xv.dtype, c, rank, &beta)) {
      nodes.push_back(mi);
      out = g.nodes[static_cast<size_t>(mi)].outputs[0];
    }
    if (!gamma.defined()) {
      gamma = Tensor(xv.dtype, {c});
      for (int64_t i = 0; i < c; ++i) {
        if (xv.dtype == DType::kFloat32) gamma.data<float>()[i] = 1.f;
        else gamma.data<double>()[i] = 1.0;
      }
    }
    m->x = x;
    m->eps = eps;
    m->gamma = std::move(gamma);
    m->beta = std::move(beta);
    m->out = out;
    m->remove = std::move(nodes);
    return true;
  }
  return false;
}

}  // namespace

Expected<int> fuse_layer_norm(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  std::optional<GraphIndex> index(std::in_place, g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Match m;
    if (!match(g, *index, i, &m)) continue;
    // The first ReduceMean becomes the LayerNormalization: x is available there and every
    // reader of the result comes after the last matched node.
    const std::string base = g.nodes[i].name;
    const ir::ValueId gamma = g.add_constant(g.unique_name(base + ".scale"), std::move(m.gamma));
    const ir::ValueId beta = m.beta.defined() ? g.add_constant(g.unique_name(base + ".bias"), std::move(m.beta))
                                              : ir::kNoValue;
    ir::Node& ln = g.nodes[i];
    ln.name = base + "/layer_norm";
    ln.op_type = "LayerNormalization";
    ln.domain = "";
    ln.attrs.clear();
    ln.attrs["axis"] = ir::Attribute::of_int(-1);
    ln.attrs["epsilon"] = ir::Attribute::of_float(m.eps);
    ln.inputs = {m.x, gamma};
    if (beta != ir::kNoValue) ln.inputs.push_back(beta);
    ln.outputs = {m.out};
    for (int r : m.remove) g.nodes[static_cast<size_t>(r)].removed = true;
    ++count;
    index.emplace(g);  // producers and readers changed
  }
  ctx.note("fuse_layer_norm", count, "decomposed LayerNormalizations fused");
  return count;
}

}  // namespace lacuna::passes
