// Harness for graph-optimizer pass tests: shapes a built graph the way Session::compile does,
// runs chosen passes with the IR verifier on, counts ops, and runs graphs on the reference or
// the fast kernels so a rewrite can be checked against the unoptimized graph.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "lacuna/tensor.h"

namespace lacuna::test {

// Live nodes per op ("Op", or "domain:Op" outside the default domain).
using OpCounts = std::map<std::string, int>;
OpCounts op_counts(const ir::Graph& g);
// The number of live nodes of `op` (0 when absent).
int count_of(const OpCounts& ops, const std::string& op);

// A copy of g with its inputs' declared dims as shapes, shapes inferred and constants folded,
// as the engine does before the optimizer. Fails the test on error.
ir::Graph shaped(ir::Graph g);

struct Optimized {
  ir::Graph graph;
  OpCounts before, after;
  std::vector<std::string> log;  // PassContext notes
};
// PassContext settings the engine derives from its options; tests set them directly.
struct PassSettings {
  int64_t channel_block = 0;  // blocked_layout's block (0: the pass does nothing)
  std::function<bool(const ir::Graph&, const ir::Node&)> conv_runs_sparse;
  std::function<bool(const ir::Graph&, const ir::Node&)> gemm_runs_sparse;  // feature_major_layout
};

// Runs the passes named in `only` (in pass-list order; every pass when empty) on shaped(g), with
// the verifier after each. Fails the test on error or on an unknown pass name.
Optimized optimize(const ir::Graph& g, const std::vector<std::string>& only = {}, const PassSettings& settings = {});

// Compiles a shaped graph and runs it on the reference kernels or on the fast ones (1 thread).
std::vector<Tensor> run_graph(const ir::Graph& g, const std::vector<Tensor>& inputs, bool reference_only);

// Random float inputs in [-2, 2] (other dtypes: small integers) for g's declared input shapes.
std::vector<Tensor> random_inputs(const ir::Graph& g, uint64_t seed);

// Runs `only` on g and expects the optimized graph to compute what the unoptimized graph does on
// the reference kernels: on the reference kernels within rtol/atol (the rewrite itself), and on
// the fast kernels within fast_rtol/atol (the engine's real path). Returns the optimized graph.
Optimized expect_rewrite_preserves_outputs(const ir::Graph& g, const std::vector<std::string>& only,
                                           const std::vector<Tensor>& inputs, double rtol = 1e-5,
                                           double atol = 1e-5, double fast_rtol = 1e-4,
                                           const PassSettings& settings = {});

// The node of op `op` in g (the first live one), or nullptr.
const ir::Node* find_op(const ir::Graph& g, const std::string& op, const std::string& domain = "");

}  // namespace lacuna::test
