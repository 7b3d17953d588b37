// Structural checks of the IR, run after every pass in debug builds (or with LACUNA_VERIFY=1).
#pragma once

#include "ir/graph.h"
#include "lacuna/status.h"

namespace lacuna::ir {

// Every node input is a graph input, a constant, an outer-scope value or an earlier node's
// output; every value has at most one producer; graph outputs are produced or provided; no two
// values in use share a name.
Status verify(const Graph& g);

}  // namespace lacuna::ir
