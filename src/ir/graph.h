// The IR: a graph of nodes that read and write values. Values carry a dtype, a shape once it is
// known, and a constant payload when they are initializers or folded results.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/value.h"
#include "ir/attribute.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"

namespace lacuna::ir {

using ValueId = int32_t;
constexpr ValueId kNoValue = -1;




// A declared dimension: a number, or a symbolic name (value < 0).
struct Dim {
  int64_t value = -1;
  std::string param;
};
std::string dims_to_string(const std::vector<Dim>& dims);

struct Value {
  std::string name;
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;  // element dtype (of the sequence items for sequences)
  std::optional<Shape> shape;       // static shape once inferred
  Tensor constant;                  // defined for initializers and folded values
  bool is_constant() const { return constant.defined(); }
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain
  std::vector<ValueId> inputs;   // kNoValue for an omitted optional input
  std::vector<ValueId> outputs;  // kNoValue for an omitted optional output
  // Values of this graph that the node's subgraphs (If/Loop/Scan bodies) read from the enclosing
  // scope: the concatenation of each subgraph's outer_refs, in attribute-name order.
  std::vector<ValueId> implicit_inputs;
  Attributes attrs;
  bool removed = false;

  const Attribute* attr(const std::string& key) const;
  bool has_attr(const std::string& key) const { return attr(key) != nullptr; }
  int64_t attr_int(const std::string& key, int64_t def) const;
  float attr_float(const std::string& key, float def) const;
  std::string attr_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& key,
                                 const std::vector<int64_t>& def = {}) const;
  std::vector<float> attr_floats(const std::string& key,
                                 const std::vector<float>& def = {}) const;
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != kNoValue; }
  // Explicit then implicit inputs.
  std::vector<ValueId> all_inputs() const;
  // "node 'conv1' (Conv)"
  std::string describe() const;
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order (see topo_sort)
  std::vector<ValueId> inputs;       // inputs the caller must provide
  std::vector<ValueId> overridable;  // initializers also listed as inputs: defaults a caller may replace
  std::vector<ValueId> outputs;
  std::map<ValueId, std::vector<Dim>> declared_dims;  // declared shapes of graph inputs/outputs
  std::map<std::string, int64_t> opsets;              // domain -> opset version
  // Names this (sub)graph reads from an enclosing graph's scope.
  std::vector<std::string> outer_refs;

  ValueId add_value(std::string value_name, DType dtype = DType::kUndefined);
  ValueId add_constant(std::string value_name, Tensor t);
  // A fresh, unused value name derived from `base`.
  std::string unique_name(const std::string& base);
  ValueId find(const std::string& value_name) const;  // kNoValue if absent
  void rename(ValueId id, std::string new_name);
  Value& value(ValueId id) { return values[static_cast<size_t>(id)]; }
  const Value& value(ValueId id) const { return values[static_cast<size_t>(id)]; }
  int add_node(Node n);
  int64_t opset(const std::string& domain) const;

  // Per-value producer node (-1 for graph inputs and constants) and consumer nodes.
  std::vector<int> producers() const;
  std::vector<std::vector<int>> consumers() const;
  bool is_graph_output(ValueId v) const;

  // Drops removed nodes and orders the rest topologically; an error names a cycle or a value
  // read before anything produces it.
  Status topo_sort();
  // Removes nodes whose outputs nothing reads (and are not graph outputs).
  int remove_dead_nodes();
  // Replaces every node's read of `from` with `to`. Graph outputs keep their value (and so their
  // name); a pass that bypasses a graph output must handle that itself.
  void replace_uses(ValueId from, ValueId to);

 private:
  std::unordered_map<std::string, ValueId> by_name_;
  int64_t name_counter_ = 0;
};

}  // namespace lacuna::ir
