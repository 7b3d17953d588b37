// Small helpers for pattern-matching passes: who produces a value, who reads it, constants.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
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
  // The node reading v when single_use(v), else -1.
  int sole_consumer(ir::ValueId v) const { return single_use(v) ? consumers_[static_cast<size_t>(v)][0] : -1; }

 private:
  const ir::Graph& g_;
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
};

// Frees constant v's data once no live node reads it (a pass replaced it with a transformed
// copy), so that the original weights are not held next to the copies while compiling. The
// value stays a constant of the same dtype and shape, without data.
inline void drop_constant_if_unused(ir::Graph& g, ir::ValueId v) {
  if (v == ir::kNoValue || !g.value(v).is_constant() || g.is_graph_output(v)) return;
  for (ir::ValueId o : g.overridable) {
    if (o == v) return;
  }
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    for (ir::ValueId u : n.inputs) {
      if (u == v) return;
    }
    for (ir::ValueId u : n.implicit_inputs) {
      if (u == v) return;
    }
  }
  g.value(v).constant.drop_buffer();
}

inline bool is_op(const ir::Node& n, const char* op, const char* domain = "") {
  return !n.removed && n.op_type == op && n.domain == domain;
}

// The constant tensor of input i of n, or nullptr.
inline const Tensor* constant_input(const ir::Graph& g, const ir::Node& n, size_t i) {
  if (!n.has_input(i)) return nullptr;
  const ir::Value& v = g.value(n.inputs[i]);
  return v.is_constant() ? &v.constant : nullptr;
}

// The value of a constant one-element numeric tensor of any dtype (Pow's exponent may be an
// integer).
inline bool scalar_value(const ir::Graph& g, ir::ValueId v, double* out) {
  if (v == ir::kNoValue || !g.value(v).is_constant()) return false;
  const Tensor& t = g.value(v).constant;
  if (t.numel() != 1 || t.dtype() == DType::kString || t.dtype() == DType::kBool) return false;
  *out = t.to_double_vector()[0];
  return true;
}

// The value of a constant one-element float32/float64 tensor.
inline bool scalar_constant(const ir::Graph& g, ir::ValueId v, float* out) {
  if (v == ir::kNoValue || !g.value(v).is_constant()) return false;
  const DType t = g.value(v).constant.dtype();
  double d = 0;
  if ((t != DType::kFloat32 && t != DType::kFloat64) || !scalar_value(g, v, &d)) return false;
  *out = static_cast<float>(d);
  return true;
}

// True if `v` is a float scalar constant within relative tolerance `rtol` of `want`.
inline bool scalar_near(const ir::Graph& g, ir::ValueId v, double want, double rtol) {
  float c = 0.f;
  return scalar_constant(g, v, &c) && std::abs(static_cast<double>(c) - want) <= rtol * std::abs(want);
}

// The input of binary node n that is not `v` (the other one when n reads v twice), or kNoValue
// when n does not read v.
inline ir::ValueId other_input(const ir::Node& n, ir::ValueId v) {
  if (n.inputs.size() != 2) return ir::kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return ir::kNoValue;
}

// If node n computes x * c or c * x with a scalar constant c, returns x and c.
inline bool mul_by_scalar(const ir::Graph& g, const ir::Node& n, ir::ValueId* x, float* c) {
  if (!is_op(n, "Mul") || n.inputs.size() != 2) return false;
  for (size_t s = 0; s < 2; ++s) {
    if (scalar_constant(g, n.inputs[s], c)) {
      *x = n.inputs[1 - s];
      return true;
    }
  }
  return false;
}

// The axes a Reduce* node reduces over (normalized to [0, rank), sorted) and its keepdims, for
// a node whose axes are known at compile time and which is not the identity. The axes are an
// attribute before opset 13 (ReduceSum) / 18 (the others) and an input from then on.
inline bool reduce_axes(const ir::Graph& g, const ir::Node& n, int64_t rank, std::vector<int64_t>* axes,
                        bool* keepdims) {
  if (n.inputs.empty() || n.inputs[0] == ir::kNoValue) return false;
  const bool from_input = g.opset("") >= (n.op_type == "ReduceSum" ? 13 : 18);
  std::vector<int64_t> raw;
  if (from_input) {
    if (n.has_input(1)) {
      const Tensor* t = constant_input(g, n, 1);
      if (!t || (t->dtype() != DType::kInt64 && t->dtype() != DType::kInt32)) return false;
      raw = t->to_int64_vector();
    }
  } else {
    raw = n.attr_ints("axes");
  }
  if (raw.empty()) {
    if (n.attr_int("noop_with_empty_axes", 0) != 0) return false;
    for (int64_t a = 0; a < rank; ++a) raw.push_back(a);
  }
  axes->clear();
  for (int64_t a : raw) {
    if (a < -rank || a >= rank) return false;
    axes->push_back(a < 0 ? a + rank : a);
  }
  std::sort(axes->begin(), axes->end());
  if (std::adjacent_find(axes->begin(), axes->end()) != axes->end()) return false;
  *keepdims = n.attr_int("keepdims", 1) != 0;
  return true;
}

// True if node n reduces x (rank `rank`) over exactly the one axis `axis`, keeping dims.
inline bool reduces_one_axis(const ir::Graph& g, const ir::Node& n, int64_t rank, int64_t axis) {
  std::vector<int64_t> axes;
  bool keepdims = false;
  return reduce_axes(g, n, rank, &axes, &keepdims) && keepdims && axes.size() == 1 && axes[0] == axis;
}

// Rewrites node n into the Gelu op both GELU fusions write: com.microsoft:Gelu(x) -> out, erf
// GELU when `approximate` is "none", the tanh approximation when it is "tanh" (the Gelu kernels
// and fuse_gemm_activation read the attribute in either domain).
inline void make_gelu(ir::Graph& g, ir::Node& n, ir::ValueId x, ir::ValueId out, const std::string& approximate) {
  n.op_type = "Gelu";
  n.domain = "com.microsoft";
  if (!g.opsets.count("com.microsoft")) g.opsets["com.microsoft"] = 1;
  n.attrs.clear();
  if (approximate != "none") n.attrs["approximate"] = ir::Attribute::of_string(approximate);
  n.inputs = {x};
  n.outputs = {out};
}

}  // namespace lacuna::passes
