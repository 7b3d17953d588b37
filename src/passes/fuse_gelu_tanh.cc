// Fuses the tanh-approximated GELU that exporters spell out (HuggingFace gelu_new, GPT-2),
//   0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
// with x^3 as Pow(x, 3) or x * x * x, each Mul and Add in either operand order, and the three
// final factors multiplied in any grouping. It becomes the Gelu op fuse_gelu writes for the erf
// form, with approximate = "tanh", so fuse_gemm_activation can put it in a GEMM's epilogue.
#include <cmath>
#include <optional>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

// Exporters round these differently (0.7978845608028654, 0.79788456, 0.044715).
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kCubic = 0.044715;
constexpr double kCoefficientRtol = 1e-4;
constexpr double kExactRtol = 1e-6;  // 0.5, 1

struct Match {
  ir::ValueId x = ir::kNoValue;
  ir::ValueId out = ir::kNoValue;
  std::vector<int> remove;  // every matched node except the Tanh
};

const ir::Node* producer_node(const ir::Graph& g, const GraphIndex& index, ir::ValueId v) {
  const int p = index.producer(v);
  return p < 0 ? nullptr : &g.nodes[static_cast<size_t>(p)];
}

// True if `cube` (read only by its consumer) is x^3: Pow(x, 3), (x * x) * x or x * (x * x).
bool is_cube_of(const ir::Graph& g, const GraphIndex& index, ir::ValueId cube, ir::ValueId x, std::vector<int>* nodes) {
  const int ci = index.producer(cube);
  if (ci < 0 || !index.single_use(cube)) return false;
  const ir::Node& n = g.nodes[static_cast<size_t>(ci)];
  double e = 0;
  if (is_op(n, "Pow") && n.inputs.size() == 2 && n.inputs[0] == x && scalar_value(g, n.inputs[1], &e) && e == 3.0) {
    nodes->push_back(ci);
    return true;
  }
  if (!is_op(n, "Mul")) return false;
  const ir::ValueId sq = other_input(n, x);
  if (sq == ir::kNoValue || sq == x || !index.single_use(sq)) return false;
  const ir::Node* s = producer_node(g, index, sq);
  if (!s || !is_op(*s, "Mul") || s->inputs.size() != 2 || s->inputs[0] != x || s->inputs[1] != x) return false;
  nodes->insert(nodes->end(), {ci, index.producer(sq)});
  return true;
}

// inner = x + 0.044715 * x^3 (either order); returns x.
bool match_inner(const ir::Graph& g, const GraphIndex& index, ir::ValueId inner, ir::ValueId* x,
                 std::vector<int>* nodes) {
  const int ai = index.producer(inner);
  if (ai < 0 || !index.single_use(inner) || !is_op(g.nodes[static_cast<size_t>(ai)], "Add")) return false;
  const ir::Node& add = g.nodes[static_cast<size_t>(ai)];
  if (add.inputs.size() != 2) return false;
  for (size_t side = 0; side < 2; ++side) {
    const ir::ValueId term = add.inputs[side];
    const ir::ValueId cand = add.inputs[1 - side];
    const int mi = index.producer(term);
    if (mi < 0 || !index.single_use(term)) continue;
    ir::ValueId cube = ir::kNoValue;
    float c = 0.f;
    if (!mul_by_scalar(g, g.nodes[static_cast<size_t>(mi)], &cube, &c) ||
        std::abs(c - kCubic) > kCoefficientRtol * kCubic) {
      continue;
    }
    std::vector<int> found = {ai, mi};
    if (!is_cube_of(g, index, cube, cand, &found)) continue;
    *x = cand;
    nodes->insert(nodes->end(), found.begin(), found.end());
    return true;
  }
  return false;
}

// The product of x, 0.5 and one_plus in any grouping, starting at one_plus's reader.
bool match_product(const ir::Graph& g, const GraphIndex& index, ir::ValueId one_plus, ir::ValueId x,
                   ir::ValueId* out, std::vector<int>* nodes) {
  const int m1 = index.sole_consumer(one_plus);
  if (m1 < 0 || !is_op(g.nodes[static_cast<size_t>(m1)], "Mul")) return false;
  const ir::Node& mul1 = g.nodes[static_cast<size_t>(m1)];
  const ir::ValueId o = other_input(mul1, one_plus);
  if (o == ir::kNoValue || o == one_plus) return false;
  // (0.5 * x) * (1 + t)
  const ir::Node* h = producer_node(g, index, o);
  ir::ValueId hx = ir::kNoValue;
  float half = 0.f;
  if (h && index.single_use(o) && mul_by_scalar(g, *h, &hx, &half) && hx == x &&
      std::abs(half - 0.5) <= kExactRtol * 0.5) {
    nodes->insert(nodes->end(), {m1, index.producer(o)});
    *out = mul1.outputs[0];
    return true;
  }
  // (x * (1 + t)) * 0.5 or (0.5 * (1 + t)) * x
  const bool by_x = o == x;
  const bool by_half = scalar_near(g, o, 0.5, kExactRtol);
  if (!by_x && !by_half) return false;
  const int m2 = index.sole_consumer(mul1.outputs[0]);
  if (m2 < 0 || !is_op(g.nodes[static_cast<size_t>(m2)], "Mul")) return false;
  const ir::Node& mul2 = g.nodes[static_cast<size_t>(m2)];
  const ir::ValueId o2 = other_input(mul2, mul1.outputs[0]);
  if (by_x ? !scalar_near(g, o2, 0.5, kExactRtol) : o2 != x) return false;
  nodes->insert(nodes->end(), {m1, m2});
  *out = mul2.outputs[0];
  return true;
}

bool match(const ir::Graph& g, const GraphIndex& index, size_t ti, Match* m) {
  const ir::Node& tanh = g.nodes[ti];
  if (!is_op(tanh, "Tanh") || tanh.inputs.size() != 1 || tanh.outputs.size() != 1) return false;
  // Tanh(sqrt(2/pi) * inner)
  const ir::ValueId scaled = tanh.inputs[0];
  const int si = index.producer(scaled);
  if (si < 0 || !index.single_use(scaled)) return false;
  ir::ValueId inner = ir::kNoValue;
  float c = 0.f;
  if (!mul_by_scalar(g, g.nodes[static_cast<size_t>(si)], &inner, &c) ||
      std::abs(c - kSqrt2OverPi) > kCoefficientRtol * kSqrt2OverPi) {
    return false;
  }
  std::vector<int> nodes = {si};
  ir::ValueId x = ir::kNoValue;
  if (!match_inner(g, index, inner, &x, &nodes)) return false;
  const ir::Value& xv = g.value(x);
  if (xv.dtype != DType::kFloat32 && xv.dtype != DType::kFloat64) return false;
  // 1 + Tanh(...)
  const int pi = index.sole_consumer(tanh.outputs[0]);
  if (pi < 0 || !is_op(g.nodes[static_cast<size_t>(pi)], "Add")) return false;
  const ir::Node& plus = g.nodes[static_cast<size_t>(pi)];
  if (!scalar_near(g, other_input(plus, tanh.outputs[0]), 1.0, kExactRtol)) return false;
  nodes.push_back(pi);
  ir::ValueId out = ir::kNoValue;
  if (!match_product(g, index, plus.outputs[0], x, &out, &nodes)) return false;
  // The result must keep x's shape (a broadcasting constant could have widened it).
  if (!xv.shape || !g.value(out).shape || *xv.shape != *g.value(out).shape) return false;
  m->x = x;
  m->out = out;
  m->remove = std::move(nodes);
  return true;
}

}  // namespace

Expected<int> fuse_gelu_tanh(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  std::optional<GraphIndex> index(std::in_place, g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Match m;
    if (!match(g, *index, i, &m)) continue;
    // The Tanh becomes the Gelu: it comes after x and before every reader of the result.
    ir::Node& gelu = g.nodes[i];
    gelu.name += "/gelu_tanh";
    make_gelu(g, gelu, m.x, m.out, "tanh");
    for (int r : m.remove) g.nodes[static_cast<size_t>(r)].removed = true;
    ++count;
    index.emplace(g);  // producers and readers changed
  }
  ctx.note("fuse_gelu_tanh", count, "tanh GELU patterns fused");
  return count;
}

}  // namespace lacuna::passes
