// Attention fusion for PyTorch / HuggingFace BERT-style exports. Matches
//   q4 = Transpose(Reshape(Q, [B,S,H,D]))            (layout b,h,s,d)
//   kT = Transpose(...(Reshape(K, [B,S,H,D])))       (layout b,h,d,s; one or two Transposes)
//   v4 = Transpose(Reshape(V, [B,S,H,D]))            (layout b,h,s,d)
//   P  = Softmax(MatMul(q4, kT) [/ c | * c] [+ mask], axis = -1)
//   O  = Reshape(Transpose(MatMul(P, v4)), [B,S,H*D])
// and replaces it with lacuna:Attention(Q, K, V, mask) reading and writing [B, S, H*D] directly,
// which also removes the head-splitting copies.
#include <array>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

using Perm = std::array<int, 4>;

struct HeadSplit {
  ir::ValueId source = ir::kNoValue;  // the [B, S, H*D] tensor
  int64_t heads = 0;
  std::vector<int> nodes;  // the Reshape and Transposes to remove
};

bool scalar_of(const ir::Graph& g, ir::ValueId v, float* out) {
  if (v == ir::kNoValue || !g.value(v).is_constant()) return false;
  const Tensor& t = g.value(v).constant;
  if (t.numel() != 1 || !is_floating(t.dtype())) return false;
  *out = static_cast<float>(t.to_double_vector()[0]);
  return true;
}

// Walks back from v through single-use Transposes to a Reshape [B,S,E] -> [B,S,H,D]; the composed
// permutation (output axis i reads axis perm[i] of the [B,S,H,D] tensor) must equal `want`.
bool trace_heads(const ir::Graph& g, const GraphIndex& index, ir::ValueId v, const Perm& want, HeadSplit* out) {
  Perm perm = {0, 1, 2, 3};
  for (int guard = 0; guard < 4; ++guard) {
    const int p = index.producer(v);
    if (p < 0 || !index.single_use(v)) return false;
    const ir::Node& n = g.nodes[static_cast<size_t>(p)];
    if (is_op(n, "Transpose")) {
      const auto t = n.attr_ints("perm");
      if (t.size() != 4) return false;
      Perm composed;
      for (int i = 0; i < 4; ++i) composed[static_cast<size_t>(i)] = static_cast<int>(t[static_cast<size_t>(perm[static_cast<size_t>(i)])]);
      perm = composed;
      out->nodes.push_back(p);
      v = n.inputs[0];
      continue;
    }
    if (!is_op(n, "Reshape")) return false;
    const ir::Value& in = g.value(n.inputs[0]);
    const ir::Value& o = g.value(v);
    if (!in.shape || !o.shape || in.shape->size() != 3 || o.shape->size() != 4) return false;
    const Shape& s3 = *in.shape;
    const Shape& s4 = *o.shape;
    if (s4[0] != s3[0] || s4[1] != s3[1] || s4[2] * s4[3] != s3[2]) return false;
    if (perm != want) return false;
    out->nodes.push_back(p);
    out->source = n.inputs[0];
    out->heads = s4[2];
    return true;
  }
  return false;
}

}  // namespace

Expected<int> fuse_attention(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  for (size_t si = 0; si < g.nodes.size(); ++si) {
    GraphIndex index(g);  // rebuilt per match: each rewrite changes producers
    ir::Node& sm = g.nodes[si];
    if (!is_op(sm, "Softmax") || sm.inputs.empty()) continue;
    const ir::Value& smv = g.value(sm.inputs[0]);
    if (!smv.shape || smv.shape->size() != 4 || smv.dtype != DType::kFloat32) continue;
    const int64_t axis = sm.attr_int("axis", g.opset("") < 13 ? 1 : -1);
    if (axis != -1 && axis != 3) continue;
    std::vector<int> remove = {static_cast<int>(si)};
    // Optional mask Add.
    ir::ValueId x = sm.inputs[0];
    ir::ValueId mask = ir::kNoValue;
    if (!index.single_use(x)) continue;
    int p = index.producer(x);
    if (p >= 0 && is_op(g.nodes[static_cast<size_t>(p)], "Add")) {
      const ir::Node& add = g.nodes[static_cast<size_t>(p)];
      // The scores side is the one produced by the scale (or the MatMul).
      for (int s = 0; s < 2; ++s) {
        const int q = index.producer(add.inputs[static_cast<size_t>(s)]);
        if (q >= 0 && (is_op(g.nodes[static_cast<size_t>(q)], "Div") || is_op(g.nodes[static_cast<size_t>(q)], "Mul") ||
                       is_op(g.nodes[static_cast<size_t>(q)], "MatMul"))) {
          x = add.inputs[static_cast<size_t>(s)];
          mask = add.inputs[static_cast<size_t>(1 - s)];
          break;
        }
      }
      if (mask == ir::kNoValue || !index.single_use(x)) continue;
      remove.push_back(p);
      p = index.producer(x);
    }
    // Optional scale.
    float scale = 1.f;
    if (p >= 0 && (is_op(g.nodes[static_cast<size_t>(p)], "Div") || is_op(g.nodes[static_cast<size_t>(p)], "Mul"))) {
      const ir::Node& sc = g.nodes[static_cast<size_t>(p)];
      float c = 0.f;
      if (is_op(sc, "Div") && scalar_of(g, sc.inputs[1], &c) && c != 0.f) {
        scale = 1.f / c;
        x = sc.inputs[0];
      } else if (is_op(sc, "Mul") && scalar_of(g, sc.inputs[1], &c)) {
        scale = c;
        x = sc.inputs[0];
      } else if (is_op(sc, "Mul") && scalar_of(g, sc.inputs[0], &c)) {
        scale = c;
        x = sc.inputs[1];
      } else {
        continue;
      }
      if (!index.single_use(x)) continue;
      remove.push_back(p);
      p = index.producer(x);
    }
    if (p < 0 || !is_op(g.nodes[static_cast<size_t>(p)], "MatMul")) continue;
    const ir::Node& qk = g.nodes[static_cast<size_t>(p)];
    remove.push_back(p);
    HeadSplit q, k, v;
    if (!trace_heads(g, index, qk.inputs[0], {0, 2, 1, 3}, &q) || !trace_heads(g, index, qk.inputs[1], {0, 2, 3, 1}, &k)) {
      continue;
    }
    // Softmax -> MatMul(P, v4) -> Transpose(0,2,1,3) -> Reshape [B,S,E].
    const ir::ValueId probs = sm.outputs[0];
    if (!index.single_use(probs)) continue;
    const int pv = index.consumers(probs)[0];
    const ir::Node& pvn = g.nodes[static_cast<size_t>(pv)];
    if (!is_op(pvn, "MatMul") || pvn.inputs[0] != probs) continue;
    if (!trace_heads(g, index, pvn.inputs[1], {0, 2, 1, 3}, &v)) continue;
    const ir::ValueId ctx4 = pvn.outputs[0];
    if (!index.single_use(ctx4)) continue;
    const int ti = index.consumers(ctx4)[0];
    const ir::Node& tn = g.nodes[static_cast<size_t>(ti)];
    if (!is_op(tn, "Transpose") || tn.attr_ints("perm") != std::vector<int64_t>{0, 2, 1, 3} ||
        !index.single_use(tn.outputs[0])) {
      continue;
    }
    const int ri = index.consumers(tn.outputs[0])[0];
    const ir::Node& rn = g.nodes[static_cast<size_t>(ri)];
    if (!is_op(rn, "Reshape") || !g.value(rn.outputs[0]).shape || g.value(rn.outputs[0]).shape->size() != 3) continue;
    if (q.heads != k.heads || q.heads != v.heads) continue;
    const ir::Value& qs = g.value(q.source);
    const ir::Value& ks = g.value(k.source);
    if (!qs.shape || !ks.shape || *g.value(rn.outputs[0]).shape != *qs.shape || *ks.shape != *g.value(v.source).shape) {
      continue;
    }
    // The mask must broadcast to [B, H, Sq, Sk] with its last dim full.
    if (mask != ir::kNoValue) {
      const ir::Value& mv = g.value(mask);
      if (!mv.shape || mv.shape->empty() || mv.shape->size() > 4 || mv.shape->back() != (*ks.shape)[1] ||
          mv.dtype != DType::kFloat32) {
        continue;
      }
    }
    // Rewrite: the Softmax node becomes the Attention node.
    const ir::ValueId result = rn.outputs[0];
    for (int r : {pv, ti, ri}) remove.push_back(r);
    for (const HeadSplit* h : {&q, &k, &v}) remove.insert(remove.end(), h->nodes.begin(), h->nodes.end());
    ir::Node attn;
    attn.name = sm.name + "/attention";
    attn.op_type = "Attention";
    attn.domain = "lacuna";
    attn.inputs = {q.source, k.source, v.source, mask};
    attn.outputs = {result};
    attn.attrs["num_heads"] = ir::Attribute::of_int(q.heads);
    attn.attrs["scale"] = ir::Attribute::of_float(scale);
    for (int r : remove) g.nodes[static_cast<size_t>(r)].removed = true;
    g.add_node(std::move(attn));
    if (!g.opsets.count("lacuna")) g.opsets["lacuna"] = 1;
    ++count;
  }
  if (count) LACUNA_RETURN_IF_ERROR(g.topo_sort());
  ctx.note("fuse_attention", count, "attention blocks fused");
  return count;
}

}  // namespace lacuna::passes
