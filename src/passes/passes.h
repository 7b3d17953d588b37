// Declarations of every pass; the order they run in is in pass_manager.cc.
#pragma once

#include "passes/pass_manager.h"

namespace lacuna::passes {

Expected<int> eliminate_identity(ir::Graph& g, PassContext& ctx);
Expected<int> eliminate_dead_code(ir::Graph& g, PassContext& ctx);

}  // namespace lacuna::passes
