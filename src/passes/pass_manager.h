// The graph optimizer: small named passes run from one ordered list. Any pass can be disabled by
// name; the IR verifier runs after each pass in debug builds or with LACUNA_VERIFY=1.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "lacuna/status.h"

namespace lacuna::passes {

struct PassContext {
  std::vector<std::string> disabled;
  // False: run only the canonical passes (those that fix the model's numerics, such as computing
  // half-precision models in float32), as the reference-kernel mode does.
  bool optimize = true;
  bool verify = false;
  // Channel block of the blocked layout for dense CNN regions (blocked_layout pass); 0 keeps
  // every tensor in NCHW.
  int64_t channel_block = 0;
  // Whether a Conv / FusedConv node will run on the sparse kernels (which read NCHW); set by the
  // engine from the kernel options' sparse policy.
  std::function<bool(const ir::Graph&, const ir::Node&)> conv_runs_sparse;
  // Whether a lacuna:FusedGemm with a constant weight will run on the sparse kernels
  // (feature_major_layout pass); unset: the pass does nothing.
  std::function<bool(const ir::Graph&, const ir::Node&)> gemm_runs_sparse;
  // "pass: what it changed" lines, for LACUNA_VERBOSE and `lacuna analyze`.
  std::vector<std::string> log;
  void note(const std::string& pass, int count, const std::string& what);
};

struct Pass {
  const char* name;
  const char* description;
  // Returns the number of rewrites made (0 if none).
  Expected<int> (*run)(ir::Graph& g, PassContext& ctx);
  bool canonical = false;  // runs even without optimization (it defines numerics, not speed)
};

// The passes in the order they run.
const std::vector<Pass>& pass_list();
Status run_passes(ir::Graph& g, PassContext& ctx);

}  // namespace lacuna::passes
