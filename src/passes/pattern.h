// Small helpers for pattern-matching passes: who produces a value, who reads it, constants.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace lacuna::passes {

class GraphIndex {
 public:
  explicit GraphIndex(const ir::Graph& g) : g_(g), producer_(g.producers()), consumers_(g.consumers()) {}
  // The node producing v, or -1.
  int producer(ir::ValueId v) const { return v == ir::kNoValue ? -1 : producer_[static_cast<size_t>(v)]; }
  const std::vector<int>& consumers(ir::ValueId v) const { return consumers_[static_cast<size_t>(v)]; }
  // True if v is read by exactly one node and is not a graph output.
  bool single_use(ir::ValueId v) const {
    return consumers_[static_cast<size_t>(v)].size() == 1 && !g_.is_graph_output(v);
  }

 private:
  const ir::Graph& g_;
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
};

inline bool is_op(const ir::Node& n, const char* op, const char* domain = "") {
  return !n.removed && n.op_type == op && n.domain == domain;
}

// The constant tensor of input i of n, or nullptr.
inline const Tensor* constant_input(const ir::Graph& g, const ir::Node& n, size_t i) {
  if (!n.has_input(i)) return nullptr;
  const ir::Value& v = g.value(n.inputs[i]);
  return v.is_constant() ? &v.constant : nullptr;
}

}  // namespace lacuna::passes
