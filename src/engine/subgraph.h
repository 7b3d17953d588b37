// Compiles control-flow bodies into SubgraphRunners (the engine side of runtime/subgraph.h).
#pragma once

#include "runtime/op_kernel.h"
#include "runtime/subgraph.h"

namespace lacuna::engine {

// A compiler that builds bodies with `base` kernel options (and itself for nested bodies).
runtime::SubgraphCompiler make_subgraph_compiler(const runtime::KernelOptions& base);

}  // namespace lacuna::engine
