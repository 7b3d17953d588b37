// Fuses the Softmax that exporters spell out over one axis a,
//   e = Exp(x - ReduceMax(x, [a]))  or  e = Exp(x);   y = e / ReduceSum(e, [a])
// into Softmax(x; axis = a). Without a matching max subtraction the Exp input itself is what the
// Softmax reads (the result is the same: Softmax subtracts its own maximum).
#include <optional>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

namespace {

struct Match {
  ir::ValueId x = ir::kNoValue;
  int64_t axis = 0;
  ir::ValueId out = ir::kNoValue;
  std::vector<int> remove;  // every matched node except the Exp
};

bool match(const ir::Graph& g, const GraphIndex& index, size_t ei, Match* m) {
  const ir::Node& exp = g.nodes[ei];
  if (!is_op(exp, "Exp") || exp.inputs.size() != 1 || exp.outputs.size() != 1) return false;
  const ir::ValueId in = exp.inputs[0];
  const ir::Value& inv = g.value(in);
  if (!inv.shape || inv.shape->empty() || (inv.dtype != DType::kFloat32 && inv.dtype != DType::kFloat64)) return false;
  const auto rank = static_cast<int64_t>(inv.shape->size());
  // e is read by the ReduceSum and the Div, nothing else.
  const ir::ValueId e = exp.outputs[0];
  const std::vector<int>& readers = index.consumers(e);
  if (readers.size() != 2 || g.is_graph_output(e)) return false;
  for (int k = 0; k < 2; ++k) {
    const int ri = readers[static_cast<size_t>(k)];
    const int di = readers[static_cast<size_t>(1 - k)];
    const ir::Node& sum = g.nodes[static_cast<size_t>(ri)];
    const ir::Node& div = g.nodes[static_cast<size_t>(di)];
    if (!is_op(sum, "ReduceSum") || !is_op(div, "Div")) continue;
    std::vector<int64_t> axes;
    bool keepdims = false;
    if (!reduce_axes(g, sum, rank, &axes, &keepdims) || !keepdims || axes.size() != 1) return false;
    const int64_t axis = axes[0];
    // Before opset 13 Softmax normalizes the flattened block from `axis` on: only the last
    // axis means the same thing.
    if (g.opset("") < 13 && axis != rank - 1) return false;
    if (index.sole_consumer(sum.outputs[0]) != di || div.inputs.size() != 2 || div.inputs[0] != e ||
        div.inputs[1] != sum.outputs[0]) {
      return false;
    }
    m->x = in;
    m->axis = axis;
    m->out = div.outputs[0];
    m->remove = {ri, di};
    // Absorb x - ReduceMax(x) over the same axis when nothing else reads its parts.
    const int si = index.producer(in);
    if (si >= 0 && index.single_use(in) && is_op(g.nodes[static_cast<size_t>(si)], "Sub")) {
      const ir::Node& sub = g.nodes[static_cast<size_t>(si)];
      const ir::ValueId mx = sub.inputs.size() == 2 ? sub.inputs[1] : ir::kNoValue;
      const int mi = index.producer(mx);
      if (mi >= 0 && index.single_use(mx) && is_op(g.nodes[static_cast<size_t>(mi)], "ReduceMax") &&
          g.nodes[static_cast<size_t>(mi)].inputs[0] == sub.inputs[0] && sub.inputs[0] != mx &&
          reduces_one_axis(g, g.nodes[static_cast<size_t>(mi)], rank, axis)) {
        m->x = sub.inputs[0];
        m->remove.insert(m->remove.end(), {si, mi});
      }
    }
    return true;
  }
  return false;
}

}  // namespace

Expected<int> fuse_softmax(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  std::optional<GraphIndex> index(std::in_place, g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Match m;
    if (!match(g, *index, i, &m)) continue;
    // The Exp becomes the Softmax: it comes after x and before every reader of the result.
    ir::Node& sm = g.nodes[i];
    sm.name += "/softmax";
    sm.op_type = "Softmax";
    sm.attrs.clear();
    sm.attrs["axis"] = ir::Attribute::of_int(m.axis);
    sm.inputs = {m.x};
    sm.outputs = {m.out};
    for (int r : m.remove) g.nodes[static_cast<size_t>(r)].removed = true;
    ++count;
    index.emplace(g);  // producers and readers changed
  }
  ctx.note("fuse_softmax", count, "decomposed Softmaxes fused");
  return count;
}

}  // namespace lacuna::passes
