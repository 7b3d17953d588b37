// Pass test harness.
#include "pass_harness.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/cpu.h"
#include "engine/compiler.h"
#include "engine/infer.h"
#include "engine/subgraph.h"
#include "ir/verifier.h"
#include "passes/pass_manager.h"
#include "runtime/executor.h"
#include "runtime/thread_pool.h"
#include "test_util.h"

namespace lacuna::test {

OpCounts op_counts(const ir::Graph& g) {
  OpCounts c;
  for (const ir::Node& n : g.nodes) {
    if (!n.removed) ++c[n.domain.empty() ? n.op_type : n.domain + ":" + n.op_type];
  }
  return c;
}

int count_of(const OpCounts& ops, const std::string& op) {
  auto it = ops.find(op);
  return it == ops.end() ? 0 : it->second;
}

ir::Graph shaped(ir::Graph g) {
  for (ir::ValueId v : g.inputs) {
    auto it = g.declared_dims.find(v);
    EXPECT_NE(it, g.declared_dims.end()) << "input '" << g.value(v).name << "' has no declared dims";
    if (it == g.declared_dims.end()) continue;
    Shape s;
    for (const ir::Dim& d : it->second) {
      EXPECT_GE(d.value, 0) << "input '" << g.value(v).name << "' has a symbolic dim";
      s.push_back(d.value);
    }
    g.value(v).shape = s;
  }
  Status s = engine::infer_graph(g);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  engine::prune_folded(g);
  return g;
}

Optimized optimize(const ir::Graph& g, const std::vector<std::string>& only, const PassSettings& settings) {
  Optimized r;
  r.graph = shaped(g);
  r.before = op_counts(r.graph);
  passes::PassContext ctx;
  ctx.verify = true;
  ctx.channel_block = settings.channel_block;
  ctx.conv_runs_sparse = settings.conv_runs_sparse;
  ctx.gemm_runs_sparse = settings.gemm_runs_sparse;
  for (const std::string& name : only) {
    const auto& list = passes::pass_list();
    EXPECT_TRUE(std::any_of(list.begin(), list.end(), [&](const passes::Pass& p) { return name == p.name; }))
        << "no pass named " << name;
  }
  if (!only.empty()) {
    for (const passes::Pass& p : passes::pass_list()) {
      if (std::find(only.begin(), only.end(), p.name) == only.end()) ctx.disabled.push_back(p.name);
    }
  }
  Status s = passes::run_passes(r.graph, ctx);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  // The plan is built from the graph as the passes leave it (eliminate_dead_code, which also
  // sorts, may be among the disabled ones).
  s = r.graph.topo_sort();
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  s = ir::verify(r.graph);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  r.after = op_counts(r.graph);
  r.log = ctx.log;
  return r;
}

std::vector<Tensor> run_graph(const ir::Graph& graph, const std::vector<Tensor>& inputs, bool reference_only) {
  ir::Graph g = graph;
  runtime::KernelOptions options;
  options.cpu = &cpu_info();
  options.num_threads = 1;
  options.reference_only = reference_only;
  options.compile_subgraph = engine::make_subgraph_compiler(options);
  auto plan = engine::build_plan(g, options);
  EXPECT_TRUE(plan.has_value()) << plan.status().to_string();
  if (!plan) return {};
  auto state = runtime::RunState::create(**plan);
  EXPECT_TRUE(state.has_value()) << state.status().to_string();
  if (!state) return {};
  runtime::ThreadPool pool(1);
  std::vector<Tensor> outputs;
  Status s = runtime::execute(**plan, **state, pool, inputs, &outputs);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  for (Tensor& t : outputs) t = t.clone();  // outputs may view the run state's arena
  return outputs;
}

std::vector<Tensor> random_inputs(const ir::Graph& g, uint64_t seed) {
  std::vector<Tensor> in;
  for (ir::ValueId v : g.inputs) {
    Shape s;
    for (const ir::Dim& d : g.declared_dims.at(v)) s.push_back(d.value);
    const DType dt = g.value(v).dtype;
    in.push_back(is_floating(dt) ? random_tensor(dt, s, seed++, -2.0, 2.0) : random_tensor(dt, s, seed++, 0.0, 3.0));
  }
  return in;
}

Optimized expect_rewrite_preserves_outputs(const ir::Graph& g, const std::vector<std::string>& only,
                                           const std::vector<Tensor>& inputs, double rtol, double atol,
                                           double fast_rtol, const PassSettings& settings) {
  const ir::Graph plain = shaped(g);
  const std::vector<Tensor> want = run_graph(plain, inputs, /*reference_only=*/true);
  Optimized opt = optimize(g, only, settings);
  const std::vector<Tensor> ref = run_graph(opt.graph, inputs, /*reference_only=*/true);
  const std::vector<Tensor> fast = run_graph(opt.graph, inputs, /*reference_only=*/false);
  EXPECT_EQ(ref.size(), want.size());
  EXPECT_EQ(fast.size(), want.size());
  for (size_t i = 0; i < want.size() && i < ref.size() && i < fast.size(); ++i) {
    expect_close(ref[i], want[i], rtol, atol, "output " + std::to_string(i) + " (reference kernels)");
    expect_close(fast[i], want[i], fast_rtol, atol, "output " + std::to_string(i) + " (fast kernels)");
  }
  return opt;
}

const ir::Node* find_op(const ir::Graph& g, const std::string& op, const std::string& domain) {
  for (const ir::Node& n : g.nodes) {
    if (!n.removed && n.op_type == op && n.domain == domain) return &n;
  }
  return nullptr;
}

}  // namespace lacuna::test
