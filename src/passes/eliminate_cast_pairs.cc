// Removes float32 -> float16/bfloat16 -> float32 round trips, which the engine inserts around
// every op of a half-precision model: such models are computed in float32 and only rounded at
// their inputs and outputs (as ONNX Runtime's CPU provider does), and the fusion passes then see
// the ops next to each other.
#include "passes/passes.h"
#include "passes/pattern.h"

namespace lacuna::passes {

Expected<int> eliminate_cast_pairs(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  GraphIndex index(g);
  for (auto& back : g.nodes) {
    if (!is_op(back, "Cast") || back.inputs.empty() || back.outputs.empty()) continue;
    const ir::ValueId half = back.inputs[0];
    const DType hd = g.value(half).dtype;
    if (hd != DType::kFloat16 && hd != DType::kBFloat16) continue;
    if (g.value(back.outputs[0]).dtype != DType::kFloat32) continue;
    const int pi = index.producer(half);
    if (pi < 0) continue;
    const ir::Node& down = g.nodes[static_cast<size_t>(pi)];
    if (!is_op(down, "Cast") || down.inputs.empty()) continue;
    const ir::ValueId full = down.inputs[0];
    if (g.value(full).dtype != DType::kFloat32) continue;
    if (g.is_graph_output(back.outputs[0])) continue;
    g.replace_uses(back.outputs[0], full);
    back.removed = true;
    ++count;
  }
  if (count) g.remove_dead_nodes();
  ctx.note("eliminate_cast_pairs", count, "float32->half->float32 round trips removed");
  return count;
}

}  // namespace lacuna::passes
