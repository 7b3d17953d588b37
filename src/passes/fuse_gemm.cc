// Linear-layer fusions into lacuna:FusedGemm: MatMul with a constant weight matrix (or Gemm
// without transA) plus a following bias Add; then a following residual Add of a same-shaped
// tensor; then a following activation (including the erf GELU that exporters spell out).
#include <cmath>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

using ir::Attribute;

bool is_fused_gemm(const ir::Node& n) { return is_op(n, "FusedGemm", "lacuna"); }

void to_fused_gemm(ir::Graph& g, ir::Node& n) {
  n.op_type = "FusedGemm";
  n.domain = "lacuna";
  if (!g.opsets.count("lacuna")) g.opsets["lacuna"] = 1;
}

}  // namespace

Expected<int> fuse_gemm_bias(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& mm = g.nodes[i];
    const bool matmul = is_op(mm, "MatMul");
    const bool gemm = is_op(mm, "Gemm") && mm.attr_int("transA", 0) == 0 && !mm.has_input(2);
    if ((!matmul && !gemm) || mm.inputs.size() < 2) continue;
    const Tensor* w = constant_input(g, mm, 1);
    const ir::Value& a = g.value(mm.inputs[0]);
    if (!w || w->rank() != 2 || w->dtype() != DType::kFloat32 || !a.shape || a.shape->size() < 2 ||
        a.dtype != DType::kFloat32) {
      continue;
    }
    const ir::ValueId out = mm.outputs[0];
    const int64_t n = gemm && mm.attr_int("transB", 0) ? w->dim(0) : w->dim(1);
    // A following Add of a constant with N elements broadcast along the last axis is the bias.
    ir::ValueId bias = ir::kNoValue;
    ir::ValueId final_out = out;
    int add_index = -1;
    if (index.single_use(out)) {
      const int ci = index.consumers(out)[0];
      const ir::Node& add = g.nodes[static_cast<size_t>(ci)];
      if (is_op(add, "Add") && add.inputs.size() == 2) {
        const ir::ValueId other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
        const ir::Value& ov = g.value(other);
        if (ov.is_constant() && ov.constant.dtype() == DType::kFloat32 && ov.constant.numel() == n &&
            ov.constant.dim(-1) == n && ov.constant.rank() <= static_cast<int>(a.shape->size())) {
          bias = g.add_constant(g.unique_name(mm.name + ".bias"), ov.constant.reshaped({n}));
          final_out = add.outputs[0];
          add_index = ci;
        }
      }
    }
    if (matmul && add_index < 0) continue;  // plain MatMul: the fast MatMul kernel already packs W
    const float alpha = gemm ? mm.attr_float("alpha", 1.f) : 1.f;
    const bool trans_b = gemm && mm.attr_int("transB", 0) != 0;
    to_fused_gemm(g, mm);
    mm.attrs.clear();
    mm.attrs["transB"] = Attribute::of_int(trans_b ? 1 : 0);
    mm.attrs["alpha"] = Attribute::of_float(alpha);
    mm.inputs.resize(3, ir::kNoValue);
    mm.inputs[2] = bias;
    mm.outputs[0] = final_out;
    if (add_index >= 0) g.nodes[static_cast<size_t>(add_index)].removed = true;
    ++count;
  }
  ctx.note("fuse_gemm_bias", count, "MatMul/Gemm + bias Add fused");
  return count;
}

Expected<int> fuse_gemm_residual(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (size_t ai = 0; ai < g.nodes.size(); ++ai) {
    ir::Node& add = g.nodes[ai];
    if (!is_op(add, "Add") || add.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      const ir::ValueId gv = add.inputs[static_cast<size_t>(side)];
      const ir::ValueId z = add.inputs[static_cast<size_t>(1 - side)];
      const int gi = index.producer(gv);
      if (gi < 0 || !index.single_use(gv) || gv == z) continue;
      ir::Node& gemm = g.nodes[static_cast<size_t>(gi)];
      if (!is_fused_gemm(gemm) || gemm.has_input(3) || gemm.attr_string("activation", "none") != "none") continue;
      const ir::Value& c = g.value(gv);
      const ir::Value& zv = g.value(z);
      if (!c.shape || !zv.shape || *c.shape != *zv.shape || zv.dtype != DType::kFloat32) continue;
      if (index.producer(z) >= gi) continue;  // Z must not depend on the GEMM
      gemm.inputs.resize(4, ir::kNoValue);
      gemm.inputs[3] = z;
      gemm.outputs[0] = add.outputs[0];
      add.removed = true;
      ++count;
      break;
    }
  }
  ctx.note("fuse_gemm_residual", count, "residual Adds fused into GEMMs");
  return count;
}

Expected<int> fuse_gelu(ir::Graph& g, PassContext& ctx) {
  // 0.5 * x * (1 + erf(x / sqrt(2))), in any order of the two final multiplications, with the
  // division spelled Div(x, sqrt 2) or Mul(x, 1/sqrt 2).
  int count = 0;
  GraphIndex index(g);
  for (size_t ei = 0; ei < g.nodes.size(); ++ei) {
    ir::Node& erf = g.nodes[ei];
    if (!is_op(erf, "Erf") || !index.single_use(erf.outputs[0])) continue;
    const int di = index.producer(erf.inputs[0]);
    if (di < 0 || !index.single_use(erf.inputs[0])) continue;
    ir::Node& div = g.nodes[static_cast<size_t>(di)];
    ir::ValueId x = ir::kNoValue;
    float c = 0.f;
    if (is_op(div, "Div") && scalar_constant(g, div.inputs[1], &c) && std::abs(c - 1.41421356f) < 1e-3f) {
      x = div.inputs[0];
    } else if (mul_by_scalar(g, div, &x, &c) && std::abs(c - 0.70710678f) < 1e-3f) {
    } else {
      continue;
    }
    ir::Node& add = g.nodes[static_cast<size_t>(index.consumers(erf.outputs[0])[0])];
    float one = 0.f;
    if (!is_op(add, "Add") || !index.single_use(add.outputs[0])) continue;
    const ir::ValueId add_other = add.inputs[0] == erf.outputs[0] ? add.inputs[1] : add.inputs[0];
    if (!scalar_constant(g, add_other, &one) || one != 1.f) continue;
    // Two multiplications follow: by x and by 0.5, in either order.
    ir::Node& m1 = g.nodes[static_cast<size_t>(index.consumers(add.outputs[0])[0])];
    if (!is_op(m1, "Mul") || !index.single_use(m1.outputs[0])) continue;
    ir::Node& m2 = g.nodes[static_cast<size_t>(index.consumers(m1.outputs[0])[0])];
    if (!is_op(m2, "Mul")) continue;
    const ir::ValueId m1_other = m1.inputs[0] == add.outputs[0] ? m1.inputs[1] : m1.inputs[0];
    const ir::ValueId m2_other = m2.inputs[0] == m1.outputs[0] ? m2.inputs[1] : m2.inputs[0];
    float half = 0.f;
    const bool order1 = m1_other == x && scalar_constant(g, m2_other, &half) && half == 0.5f;
    const bool order2 = m2_other == x && scalar_constant(g, m1_other, &half) && half == 0.5f;
    if (!order1 && !order2) continue;
    // Rewrite the Erf node into a Gelu writing the final product; drop the rest.
    make_gelu(g, erf, x, m2.outputs[0], "none");
    div.removed = add.removed = m1.removed = m2.removed = true;
    ++count;
  }
  ctx.note("fuse_gelu", count, "erf GELU patterns fused");
  return count;
}

Expected<int> fuse_gemm_activation(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (auto& gemm : g.nodes) {
    if (!is_fused_gemm(gemm) || gemm.attr_string("activation", "none") != "none") continue;
    const ir::ValueId out = gemm.outputs[0];
    if (!index.single_use(out)) continue;
    ir::Node& act = g.nodes[static_cast<size_t>(index.consumers(out)[0])];
    const char* name = nullptr;
    const bool gelu = is_op(act, "Gelu", "com.microsoft") || is_op(act, "Gelu");
    const std::string approximate = act.attr_string("approximate", "none");
    if (is_op(act, "Relu")) name = "relu";
    else if (gelu && approximate == "none") name = "gelu";
    else if (gelu && approximate == "tanh") name = "gelu_tanh";  // what fuse_gelu_tanh writes
    else if (is_op(act, "Tanh")) name = "tanh";
    else if (is_op(act, "Sigmoid")) name = "sigmoid";
    if (!name || act.inputs.empty() || act.inputs[0] != out) continue;
    gemm.attrs["activation"] = Attribute::of_string(name);
    gemm.outputs[0] = act.outputs[0];
    act.removed = true;
    ++count;
  }
  ctx.note("fuse_gemm_activation", count, "activations fused into GEMMs");
  return count;
}

}  // namespace lacuna::passes
