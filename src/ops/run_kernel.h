// Runs one kernel outside a plan: used by constant folding and by kernel tests.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "lacuna/status.h"
#include "runtime/op_kernel.h"

namespace lacuna::ops {

// Infers, prepares and runs `kernel` on concrete inputs (nullptr for omitted optional inputs);
// `num_outputs` outputs are produced (an empty slot for outputs the node omits is fine).
Expected<std::vector<RtValue>> run_kernel(runtime::OpKernel& kernel,
                                          const std::vector<const RtValue*>& inputs,
                                          const std::vector<bool>& wanted_outputs,
                                          const std::string& label,
                                          runtime::ThreadPool* pool = nullptr,
                                          const runtime::KernelOptions* options = nullptr);

// Builds the node's reference kernel (or, if !reference_only, the first implementation whose
// prepare() accepts the inputs) and runs it on tensors.
Expected<std::vector<Tensor>> run_node(const ir::Node& node, int64_t opset,
                                       const std::vector<Tensor>& inputs,
                                       bool reference_only = true, int num_threads = 1,
                                       std::string* impl_used = nullptr,
                                       const std::string& sparse_policy = "auto");

}  // namespace lacuna::ops
