// Removes Identity nodes and Dropout in inference mode (its mask output unused): consumers read
// the input directly.
#include "passes/passes.h"

namespace lacuna::passes {

Expected<int> eliminate_identity(ir::Graph& g, PassContext& ctx) {
  int count = 0;
  for (auto& n : g.nodes) {
    if (n.removed || !n.domain.empty()) continue;
    const bool identity = n.op_type == "Identity";
    const bool dropout = n.op_type == "Dropout" && (n.outputs.size() < 2 || n.outputs[1] == ir::kNoValue) &&
                         !(n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue);  // training_mode input
    if (!identity && !dropout) continue;
    if (n.inputs.empty() || n.inputs[0] == ir::kNoValue || n.outputs.empty()) continue;
    const ir::ValueId in = n.inputs[0];
    const ir::ValueId out = n.outputs[0];
    if (g.value(in).kind != ValueKind::kTensor) continue;
    // A graph output keeps its name: only bypass when the output is internal.
    if (g.is_graph_output(out)) continue;
    g.replace_uses(out, in);
    n.removed = true;
    ++count;
  }
  ctx.note("eliminate_identity", count, "Identity/Dropout nodes removed");
  return count;
}

}  // namespace lacuna::passes
