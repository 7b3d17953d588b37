// FastPathKernel: builds the registered reference implementation of the same op.
#include "ops/fast_path.h"

#include "ops/registry.h"

namespace lacuna::ops {

FastPathKernel::FastPathKernel(const ir::Node& node, int64_t opset) : KernelBase(node, opset), node_copy_(node) {}

Status FastPathKernel::init() {
  const OpEntry* e = Registry::global().find(node_copy_.domain, node_copy_.op_type);
  if (!e || !e->reference()) return internal_error(node_ + ": no reference implementation");
  LACUNA_ASSIGN_OR_RETURN(ref_, e->reference()->make(node_copy_, opset_));
  return Status::ok();
}

}  // namespace lacuna::ops
