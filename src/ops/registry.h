// The operator registry: for each (domain, op type), an ordered list of implementations, best
// first and the plain reference kernel last. The compiler tries them in order; the first one
// whose prepare() accepts the node wins (LACUNA_VERBOSE=1 logs why the others declined).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "lacuna/status.h"
#include "runtime/op_kernel.h"

namespace lacuna::ops {

using runtime::OpKernel;
using KernelFactory =
    std::function<Expected<std::unique_ptr<OpKernel>>(const ir::Node& node, int64_t opset)>;

struct KernelImpl {
  std::string name;  // "conv_ref", "conv_dnnl", ...
  KernelFactory make;
  bool reference = false;
};

struct OpEntry {
  std::string domain;
  std::string op_type;
  // True for ops that move or select data without arithmetic (Reshape, Gather, Concat, ...): they
  // run on any dtype. Other ops see float16/bfloat16 inputs promoted to float32.
  bool any_dtype = false;
  std::vector<KernelImpl> impls;  // best first; the reference implementation last

  const KernelImpl* reference() const;
};

class Registry {
 public:
  // The registry with every built-in operator.
  static const Registry& global();

  // Adds an implementation in front of existing ones (optimized kernels register after the
  // reference, so the newest registration is tried first).
  void add(const std::string& domain, const std::string& op_type, KernelImpl impl,
           bool any_dtype = false);
  const OpEntry* find(const std::string& domain, const std::string& op_type) const;
  std::vector<const OpEntry*> all() const;

 private:
  std::map<std::pair<std::string, std::string>, OpEntry> ops_;
};

// Builds a factory for a kernel class with a constructor K(const ir::Node&, int64_t opset) and
// an optional `Status init()` (ran after construction) for attribute validation.
template <class K>
KernelImpl make_impl(std::string name, bool reference = true) {
  KernelImpl impl;
  impl.name = std::move(name);
  impl.reference = reference;
  impl.make = [](const ir::Node& node, int64_t opset) -> Expected<std::unique_ptr<OpKernel>> {
    auto k = std::make_unique<K>(node, opset);
    if constexpr (requires(K& x) { x.init(); }) {
      Status s = k->init();
      if (!s.is_ok()) return s;
    }
    return std::unique_ptr<OpKernel>(std::move(k));
  };
  return impl;
}

}  // namespace lacuna::ops
