// Single-kernel execution helper.
#include "ops/run_kernel.h"

#include "core/cpu.h"
#include "ops/registry.h"

namespace lacuna::ops {

using namespace runtime;

Expected<std::vector<RtValue>> run_kernel(OpKernel& kernel, const std::vector<const RtValue*>& inputs,
                                          const std::vector<bool>& wanted_outputs,
                                          const std::string& label, ThreadPool* pool,
                                          const KernelOptions* options) {
  PrepareContext ctx;
  ctx.node = label;
  ctx.inputs.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) continue;
    InputInfo& ii = ctx.inputs[i];
    ii.present = true;
    ii.kind = inputs[i]->kind;
    ii.rt = inputs[i];
    if (inputs[i]->kind == ValueKind::kTensor) {
      ii.dtype = inputs[i]->tensor.dtype();
      ii.shape = &inputs[i]->tensor.shape();
      ii.value = &inputs[i]->tensor;
    } else {
      ii.dtype = inputs[i]->elem_dtype;
      if (inputs[i]->kind == ValueKind::kOptional && inputs[i]->present &&
          !inputs[i]->optional_of_sequence) {
        ii.shape = &inputs[i]->tensor.shape();
        ii.value = &inputs[i]->tensor;
        ii.dtype = inputs[i]->tensor.dtype();
      }
    }
  }
  ctx.outputs.resize(wanted_outputs.size());
  for (size_t o = 0; o < wanted_outputs.size(); ++o) ctx.outputs[o].wanted = wanted_outputs[o];
  LACUNA_RETURN_IF_ERROR(kernel.infer(ctx));
  KernelOptions kopts;
  kopts.cpu = &cpu_info();
  kopts.reference_only = true;
  ctx.options = options ? options : &kopts;
  ctx.constant_consumed.assign(inputs.size(), false);
  LACUNA_RETURN_IF_ERROR(kernel.prepare(ctx));

  std::vector<RtValue> outs(wanted_outputs.size());
  for (size_t o = 0; o < outs.size(); ++o) {
    const OutputInfo& oi = ctx.outputs[o];
    if (!wanted_outputs[o]) continue;
    if (!oi.set) return internal_error(label + ": output " + std::to_string(o) + " was not inferred");
    outs[o].kind = oi.kind;
    outs[o].elem_dtype = oi.dtype;
    if (oi.kind != ValueKind::kTensor || !oi.shape_known) continue;
    const int a = kernel.output_alias(static_cast<int>(o));
    if (a >= 0) {
      outs[o].tensor.reset_view(inputs[static_cast<size_t>(a)]->tensor, oi.shape);
      continue;
    }
    auto t = Tensor::create(oi.dtype, oi.shape);
    if (!t) return t.status().with_context(label);
    outs[o].tensor = std::move(t).value();
  }
  std::vector<RtValue*> in_ptrs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) in_ptrs[i] = const_cast<RtValue*>(inputs[i]);
  std::vector<RtValue*> out_ptrs(outs.size());
  for (size_t o = 0; o < outs.size(); ++o) out_ptrs[o] = wanted_outputs[o] ? &outs[o] : nullptr;
  ThreadPool single(1);
  std::vector<uint8_t> scratch(ctx.scratch_bytes + 64);
  RunContext rc;
  rc.in = in_ptrs.data();
  rc.out = out_ptrs.data();
  rc.n_in = static_cast<int>(in_ptrs.size());
  rc.n_out = static_cast<int>(out_ptrs.size());
  rc.pool = pool ? pool : &single;
  rc.scratch = reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(scratch.data()) + 63) & ~uintptr_t{63});
  rc.node = label;
  LACUNA_RETURN_IF_ERROR(kernel.run(rc));
  return outs;
}

Expected<std::vector<Tensor>> run_node(const ir::Node& node, int64_t opset,
                                       const std::vector<Tensor>& inputs, bool reference_only,
                                       int num_threads, std::string* impl_used, const std::string& sparse_policy) {
  const OpEntry* entry = Registry::global().find(node.domain, node.op_type);
  if (!entry) return unsupported(node.describe() + ": operator is not supported");
  std::vector<RtValue> values(inputs.size());
  std::vector<const RtValue*> ptrs(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) continue;
    values[i].tensor = inputs[i];
    ptrs[i] = &values[i];
  }
  std::vector<bool> wanted(node.outputs.size(), true);
  ThreadPool pool(num_threads);
  KernelOptions kopts;
  kopts.cpu = &cpu_info();
  kopts.reference_only = reference_only;
  kopts.num_threads = num_threads;
  kopts.sparse_policy = sparse_policy;
  Status last = unsupported(node.describe() + ": no implementation accepted the inputs");
  for (const KernelImpl& impl : entry->impls) {
    if (reference_only && !impl.reference) continue;
    LACUNA_ASSIGN_OR_RETURN(auto kernel, impl.make(node, opset));
    auto outs = run_kernel(*kernel, ptrs, wanted, node.describe(), &pool, &kopts);
    if (!outs && outs.status().code() == ErrorCode::kUnsupported && &impl != &entry->impls.back()) {
      last = outs.status();
      continue;
    }
    if (!outs) return outs.status();
    if (impl_used) *impl_used = impl.name;
    std::vector<Tensor> result;
    for (auto& o : *outs) result.push_back(std::move(o.tensor));
    return result;
  }
  return last;
}

}  // namespace lacuna::ops
