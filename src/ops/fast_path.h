// Base for optimized implementations: they keep the reference implementation's attribute
// checks and shape inference (an instance of it is held inside) and override prepare/run.
#pragma once

#include <memory>

#include "ops/common.h"

namespace lacuna::ops {

class FastPathKernel : public KernelBase {
 public:
  FastPathKernel(const ir::Node& node, int64_t opset);
  Status init();
  Status infer(InferContext& ctx) override { return ref_->infer(ctx); }

 protected:
  ir::Node node_copy_;
  std::unique_ptr<OpKernel> ref_;
};

}  // namespace lacuna::ops
