// Turns a shaped, optimized graph into a runnable Plan: picks an implementation per node, lets
// it prepare (pack weights), and plans activation memory.
#pragma once

#include <memory>

#include "ir/graph.h"
#include "lacuna/status.h"
#include "runtime/op_kernel.h"
#include "runtime/plan.h"

namespace lacuna::engine {

Expected<std::unique_ptr<runtime::Plan>> build_plan(ir::Graph& g,
                                                    const runtime::KernelOptions& options);

}  // namespace lacuna::engine
