// Body graphs run as fully dynamic plans: their input shapes may change every iteration.
#include "engine/subgraph.h"

#include <mutex>

#include "engine/compiler.h"
#include "engine/infer.h"
#include "ir/graph.h"
#include "runtime/executor.h"

namespace lacuna::engine {

namespace {

class CompiledBody : public runtime::SubgraphRunner {
 public:
  explicit CompiledBody(std::unique_ptr<runtime::Plan> plan) : plan_(std::move(plan)) {}

  Status run(const std::vector<const RtValue*>& inputs, std::vector<RtValue>* outputs,
             runtime::ThreadPool& pool) override {
    std::unique_ptr<runtime::RunState> state;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        state = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!state) {
      LACUNA_ASSIGN_OR_RETURN(state, runtime::RunState::create(*plan_));
    }
    Status s = runtime::execute_values(*plan_, *state, pool, inputs, outputs);
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(state));
    return s;
  }

 private:
  std::unique_ptr<runtime::Plan> plan_;
  std::mutex mu_;
  std::vector<std::unique_ptr<runtime::RunState>> idle_;
};

}  // namespace

runtime::SubgraphCompiler make_subgraph_compiler(const runtime::KernelOptions& base) {
  runtime::KernelOptions opts = base;
  opts.compile_subgraph = nullptr;  // rebuilt per level below, avoiding a reference cycle
  opts.force_dynamic = true;
  return [opts](const ir::Graph& body) -> Expected<std::unique_ptr<runtime::SubgraphRunner>> {
    ir::Graph g = body;
    // Values read from the enclosing scope become extra inputs after the formal ones.
    for (const std::string& name : g.outer_refs) g.inputs.push_back(g.find(name));
    g.outer_refs.clear();
    LACUNA_RETURN_IF_ERROR(infer_graph(g));
    prune_folded(g);
    runtime::KernelOptions level = opts;
    level.compile_subgraph = make_subgraph_compiler(opts);
    LACUNA_ASSIGN_OR_RETURN(auto plan, build_plan(g, level));
    return std::unique_ptr<runtime::SubgraphRunner>(new CompiledBody(std::move(plan)));
  };
}

}  // namespace lacuna::engine
