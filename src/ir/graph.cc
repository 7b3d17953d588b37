// Graph construction, queries and topological ordering.
#include "ir/graph.h"

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace lacuna::ir {

const char* attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kUndefined: return "undefined";
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kGraph: return "graph";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kTensors: return "tensors";
    case Attribute::Kind::kGraphs: return "graphs";
    case Attribute::Kind::kType: return "type";
  }
  return "?";
}

std::string dims_to_string(const std::vector<Dim>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    if (dims[i].value >= 0) {
      s += std::to_string(dims[i].value);
    } else {
      s += dims[i].param.empty() ? "?" : dims[i].param;
    }
  }
  return s + "]";
}

const Attribute* Node::attr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

int64_t Node::attr_int(const std::string& key, int64_t def) const {
  const Attribute* a = attr(key);
  return a && a->kind == Attribute::Kind::kInt ? a->i : def;
}

float Node::attr_float(const std::string& key, float def) const {
  const Attribute* a = attr(key);
  if (!a) return def;
  if (a->kind == Attribute::Kind::kFloat) return a->f;
  if (a->kind == Attribute::Kind::kInt) return static_cast<float>(a->i);
  return def;
}

std::string Node::attr_string(const std::string& key, const std::string& def) const {
  const Attribute* a = attr(key);
  return a && a->kind == Attribute::Kind::kString ? a->s : def;
}

std::vector<int64_t> Node::attr_ints(const std::string& key,
                                     const std::vector<int64_t>& def) const {
  const Attribute* a = attr(key);
  if (!a) return def;
  if (a->kind == Attribute::Kind::kInts) return a->ints;
  if (a->kind == Attribute::Kind::kInt) return {a->i};
  return def;
}

std::vector<float> Node::attr_floats(const std::string& key, const std::vector<float>& def) const {
  const Attribute* a = attr(key);
  if (!a) return def;
  if (a->kind == Attribute::Kind::kFloats) return a->floats;
  if (a->kind == Attribute::Kind::kFloat) return {a->f};
  return def;
}

std::vector<ValueId> Node::all_inputs() const {
  std::vector<ValueId> all = inputs;
  all.insert(all.end(), implicit_inputs.begin(), implicit_inputs.end());
  return all;
}

std::string Node::describe() const {
  std::string op = domain.empty() ? op_type : domain + ":" + op_type;
  return "node '" + name + "' (" + op + ")";
}

ValueId Graph::add_value(std::string value_name, DType dtype) {
  const auto id = static_cast<ValueId>(values.size());
  if (!value_name.empty()) by_name_[value_name] = id;
  Value v;
  v.name = std::move(value_name);
  v.dtype = dtype;
  values.push_back(std::move(v));
  return id;
}

ValueId Graph::add_constant(std::string value_name, Tensor t) {
  ValueId id = add_value(std::move(value_name), t.dtype());
  Value& v = value(id);
  v.shape = t.shape();
  v.constant = std::move(t);
  return id;
}

std::string Graph::unique_name(const std::string& base) {
  for (;;) {
    std::string n = base + "__" + std::to_string(name_counter_++);
    if (!by_name_.count(n)) return n;
  }
}

ValueId Graph::find(const std::string& value_name) const {
  auto it = by_name_.find(value_name);
  return it == by_name_.end() ? kNoValue : it->second;
}

void Graph::rename(ValueId id, std::string new_name) {
  Value& v = value(id);
  auto it = by_name_.find(v.name);
  if (it != by_name_.end() && it->second == id) by_name_.erase(it);
  v.name = std::move(new_name);
  if (!v.name.empty()) by_name_[v.name] = id;
}

int Graph::add_node(Node n) {
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

int64_t Graph::opset(const std::string& domain) const {
  auto it = opsets.find(domain);
  if (it != opsets.end()) return it->second;
  if (domain == "ai.onnx") return opset("");
  return 1;
}

std::vector<int> Graph::producers() const {
  std::vector<int> p(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].removed) continue;
    for (ValueId v : nodes[n].outputs) {
      if (v != kNoValue) p[static_cast<size_t>(v)] = static_cast<int>(n);
    }
  }
  return p;
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> c(values.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].removed) continue;
    for (ValueId v : nodes[n].all_inputs()) {
      if (v == kNoValue) continue;
      auto& list = c[static_cast<size_t>(v)];
      if (list.empty() || list.back() != static_cast<int>(n)) list.push_back(static_cast<int>(n));
    }
  }
  return c;
}

bool Graph::is_graph_output(ValueId v) const {
  return std::find(outputs.begin(), outputs.end(), v) != outputs.end();
}

Status Graph::topo_sort() {
  std::vector<Node> live;
  live.reserve(nodes.size());
  for (auto& n : nodes) {
    if (!n.removed) live.push_back(std::move(n));
  }
  nodes = std::move(live);
  const size_t count = nodes.size();
  std::vector<int> producer(values.size(), -1);
  for (size_t n = 0; n < count; ++n) {
    for (ValueId v : nodes[n].outputs) {
      if (v == kNoValue) continue;
      if (producer[static_cast<size_t>(v)] >= 0) {
        return invalid_model("value '" + value(v).name + "' is produced by both " +
                             nodes[static_cast<size_t>(producer[static_cast<size_t>(v)])].describe() +
                             " and " + nodes[n].describe());
      }
      producer[static_cast<size_t>(v)] = static_cast<int>(n);
    }
  }
  std::vector<bool> available(values.size(), false);
  for (ValueId v : inputs) available[static_cast<size_t>(v)] = true;
  for (size_t v = 0; v < values.size(); ++v) {
    if (values[v].is_constant()) available[v] = true;
  }
  for (const auto& ref : outer_refs) {
    ValueId v = find(ref);
    if (v != kNoValue) available[static_cast<size_t>(v)] = true;
  }
  std::vector<int> missing(count, 0);
  std::vector<std::vector<int>> waiters(values.size());
  std::deque<int> ready;
  for (size_t n = 0; n < count; ++n) {
    std::unordered_set<ValueId> seen;
    for (ValueId v : nodes[n].all_inputs()) {
      if (v == kNoValue || available[static_cast<size_t>(v)] || !seen.insert(v).second) continue;
      if (producer[static_cast<size_t>(v)] < 0) {
        return invalid_model(nodes[n].describe() + " reads '" + value(v).name +
                             "', which is not a graph input, an initializer or any node's output");
      }
      ++missing[n];
      waiters[static_cast<size_t>(v)].push_back(static_cast<int>(n));
    }
    if (missing[n] == 0) ready.push_back(static_cast<int>(n));
  }
  std::vector<int> order;
  order.reserve(count);
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (ValueId v : nodes[static_cast<size_t>(n)].outputs) {
      if (v == kNoValue) continue;
      for (int w : waiters[static_cast<size_t>(v)]) {
        if (--missing[static_cast<size_t>(w)] == 0) ready.push_back(w);
      }
    }
  }
  if (order.size() != count) {
    for (size_t n = 0; n < count; ++n) {
      if (missing[n] > 0) return invalid_model("the graph has a cycle through " + nodes[n].describe());
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(count);
  for (int n : order) sorted.push_back(std::move(nodes[static_cast<size_t>(n)]));
  nodes = std::move(sorted);
  return Status::ok();
}

int Graph::remove_dead_nodes() {
  int removed_count = 0;
  for (bool changed = true; changed;) {
    changed = false;
    auto cons = consumers();
    for (auto& n : nodes) {
      if (n.removed) continue;
      bool used = false;
      for (ValueId v : n.outputs) {
        if (v != kNoValue && (!cons[static_cast<size_t>(v)].empty() || is_graph_output(v))) used = true;
      }
      if (!used) {
        n.removed = true;
        ++removed_count;
        changed = true;
      }
    }
  }
  return removed_count;
}

void Graph::replace_uses(ValueId from, ValueId to) {
  for (auto& n : nodes) {
    if (n.removed) continue;
    for (auto& v : n.inputs) {
      if (v == from) v = to;
    }
    for (auto& v : n.implicit_inputs) {
      if (v == from) v = to;
    }
  }
}

}  // namespace lacuna::ir
