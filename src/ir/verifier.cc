// IR verifier.
#include "ir/verifier.h"

#include <unordered_map>
#include <vector>

namespace lacuna::ir {

Status verify(const Graph& g) {
  std::vector<bool> defined(g.values.size(), false);
  for (ValueId v : g.inputs) defined[static_cast<size_t>(v)] = true;
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].is_constant()) defined[v] = true;
  }
  for (const auto& name : g.outer_refs) {
    const ValueId v = g.find(name);
    if (v != kNoValue) defined[static_cast<size_t>(v)] = true;
  }
  // Names identify values in ONNX and in messages: two values in use may not share one.
  std::unordered_map<std::string, ValueId> named;
  auto check_name = [&](ValueId v) -> Status {
    const std::string& name = g.value(v).name;
    if (name.empty()) return Status::ok();
    auto [it, inserted] = named.emplace(name, v);
    if (!inserted && it->second != v) {
      return internal_error("IR: values " + std::to_string(it->second) + " and " + std::to_string(v) +
                            " share the name '" + name + "'");
    }
    return Status::ok();
  };
  for (ValueId v : g.inputs) LACUNA_RETURN_IF_ERROR(check_name(v));
  for (const Node& n : g.nodes) {
    if (n.removed) continue;
    for (ValueId v : n.all_inputs()) {
      if (v == kNoValue) continue;
      if (v < 0 || static_cast<size_t>(v) >= g.values.size()) {
        return internal_error("IR: " + n.describe() + " reads value id " + std::to_string(v) + " out of range");
      }
      LACUNA_RETURN_IF_ERROR(check_name(v));
      if (!defined[static_cast<size_t>(v)]) {
        return internal_error("IR: " + n.describe() + " reads '" + g.value(v).name +
                              "' before it is produced");
      }
    }
    for (ValueId v : n.outputs) {
      if (v == kNoValue) continue;
      if (v < 0 || static_cast<size_t>(v) >= g.values.size()) {
        return internal_error("IR: " + n.describe() + " writes value id " + std::to_string(v) + " out of range");
      }
      LACUNA_RETURN_IF_ERROR(check_name(v));
      if (defined[static_cast<size_t>(v)]) {
        return internal_error("IR: " + n.describe() + " writes '" + g.value(v).name +
                              "', which is already defined");
      }
      defined[static_cast<size_t>(v)] = true;
    }
  }
  for (ValueId v : g.outputs) {
    if (v < 0 || static_cast<size_t>(v) >= g.values.size()) {
      return internal_error("IR: graph output value id " + std::to_string(v) + " out of range");
    }
    LACUNA_RETURN_IF_ERROR(check_name(v));
    if (!defined[static_cast<size_t>(v)]) {
      return internal_error("IR: graph output '" + g.value(v).name + "' is never produced");
    }
  }
  return Status::ok();
}

}  // namespace lacuna::ir
