// Control-flow kernels (If, Loop, Scan) run their body graphs through a SubgraphRunner, which
// the engine compiles for them. Body inputs are the body's formal inputs followed by the values
// it reads from the enclosing scope (in the body's outer_refs order).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/value.h"
#include "lacuna/status.h"
#include "runtime/thread_pool.h"

namespace lacuna::ir {
class Graph;
}

namespace lacuna::runtime {

class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  virtual Status run(const std::vector<const RtValue*>& inputs, std::vector<RtValue>* outputs,
                     ThreadPool& pool) = 0;
};

using SubgraphCompiler = std::function<Expected<std::unique_ptr<SubgraphRunner>>(const ir::Graph&)>;

}  // namespace lacuna::runtime
