// Removes nodes none of whose outputs is read by another node or returned.
#include "passes/passes.h"

namespace lacuna::passes {

Expected<int> eliminate_dead_code(ir::Graph& g, PassContext& ctx) {
  const int count = g.remove_dead_nodes();
  LACUNA_RETURN_IF_ERROR(g.topo_sort());
  ctx.note("eliminate_dead_code", count, "dead nodes removed");
  return count;
}

}  // namespace lacuna::passes
