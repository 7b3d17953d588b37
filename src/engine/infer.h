// Static shape inference and constant folding over a graph whose input shapes are set.
#pragma once

#include <set>

#include "ir/graph.h"
#include "lacuna/status.h"

namespace lacuna::engine {

struct InferOptions {
  bool fold_constants = true;
  // Folded results larger than this stay computed at run time (keeps models small in memory).
  int64_t max_folded_bytes = int64_t{256} << 20;
};

// Visits nodes in topological order and sets each output value's dtype and (when it does not
// depend on run-time data) shape. Nodes whose inputs are all constant are evaluated with the
// reference kernels and their outputs become constants; this is what folds the
// Shape->Gather->Unsqueeze->Concat->Reshape chains of PyTorch exports. Float16/bfloat16 inputs of
// ops that compute in float32 get Cast nodes around them.
Status infer_graph(ir::Graph& g, const InferOptions& options = {});

// Removes nodes whose outputs are all constants and constants nothing reads. Returns the values
// those nodes computed (folded constants, as opposed to initializers).
std::set<ir::ValueId> prune_folded(ir::Graph& g);

}  // namespace lacuna::engine
