// The ordered list of operator families. Reference kernels register first; optimized kernels
// register afterwards so they are tried first.
#include "ops/registry.h"

#include "ops/families.h"

namespace lacuna::ops {

const KernelImpl* OpEntry::reference() const {
  for (const auto& i : impls) {
    if (i.reference) return &i;
  }
  return impls.empty() ? nullptr : &impls.back();
}

void Registry::add(const std::string& domain, const std::string& op_type, KernelImpl impl,
                   bool any_dtype) {
  OpEntry& e = ops_[{domain, op_type}];
  e.domain = domain;
  e.op_type = op_type;
  e.any_dtype = e.any_dtype || any_dtype;
  e.impls.insert(e.impls.begin(), std::move(impl));
}

const OpEntry* Registry::find(const std::string& domain, const std::string& op_type) const {
  auto it = ops_.find({domain == "ai.onnx" ? "" : domain, op_type});
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<const OpEntry*> Registry::all() const {
  std::vector<const OpEntry*> out;
  for (const auto& [k, e] : ops_) out.push_back(&e);
  return out;
}

const Registry& Registry::global() {
  static const Registry registry = [] {
    Registry r;
    register_all_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace lacuna::ops
