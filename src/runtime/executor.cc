// The step loop.
#include "runtime/executor.h"

#include "core/memory.h"

#include <cstdlib>
#include <cstring>

namespace lacuna::runtime {

size_t Plan::constant_bytes() const {
  size_t b = 0;
  for (const auto& s : slots) {
    if (s.constant.defined() && s.constant.raw() && s.constant.dtype() != DType::kString) b += s.constant.nbytes();
  }
  return b;
}

Expected<std::unique_ptr<RunState>> RunState::create(const Plan& plan) {
  auto st = std::unique_ptr<RunState>(new RunState());
  const size_t total = plan.arena_bytes + plan.scratch_bytes + 64;
  st->arena_ = allocate_shared(total);
  if (!st->arena_) return out_of_range("cannot allocate " + std::to_string(total) + " bytes of activations");
  void* mem = st->arena_.get();
  auto* base = static_cast<uint8_t*>(mem);
  st->scratch_ = base + plan.arena_bytes;
  st->values_.resize(plan.slots.size());
  for (size_t i = 0; i < plan.slots.size(); ++i) {
    const SlotInfo& s = plan.slots[i];
    RtValue& v = st->values_[i];
    v.kind = s.kind;
    v.elem_dtype = s.dtype;
    if (s.constant.defined()) {
      v.tensor = s.constant;
    } else if (s.arena_offset >= 0) {
      v.tensor = Tensor::view(s.dtype, s.shape, base + s.arena_offset, st->arena_);
    } else if (s.arena_offset == -2) {  // static string tensors live on the heap
      v.tensor = Tensor(s.dtype, s.shape);
    }
  }
  for (const Step& step : plan.steps) {
    st->in_base_.push_back(st->in_ptrs_.size());
    st->out_base_.push_back(st->out_ptrs_.size());
    for (int s : step.in) st->in_ptrs_.push_back(s >= 0 ? &st->values_[static_cast<size_t>(s)] : nullptr);
    for (int s : step.out) st->out_ptrs_.push_back(s >= 0 ? &st->values_[static_cast<size_t>(s)] : nullptr);
  }
  st->infer_.resize(plan.steps.size());
  return st;
}

namespace {

// Output buffers for a step whose shapes are decided at run time.
Status prepare_dynamic_outputs(const Step& step, InferContext& ctx, RtValue* const* in,
                               RtValue* const* out) {
  ctx.node = step.label;
  ctx.inputs.resize(static_cast<size_t>(step.explicit_inputs));
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    InputInfo& ii = ctx.inputs[i];
    ii = InputInfo{};
    if (!in[i]) continue;
    ii.present = true;
    ii.kind = in[i]->kind;
    ii.rt = in[i];
    if (in[i]->kind == ValueKind::kTensor ||
        (in[i]->kind == ValueKind::kOptional && in[i]->present && !in[i]->optional_of_sequence)) {
      ii.dtype = in[i]->tensor.dtype();
      ii.shape = &in[i]->tensor.shape();
      ii.value = &in[i]->tensor;
    } else {
      ii.dtype = in[i]->elem_dtype;
    }
  }
  ctx.outputs.resize(step.out.size());
  for (size_t o = 0; o < step.out.size(); ++o) {
    ctx.outputs[o] = OutputInfo{};
    ctx.outputs[o].wanted = out[o] != nullptr;
  }
  LACUNA_RETURN_IF_ERROR(step.kernel->infer(ctx));
  for (size_t o = 0; o < step.out.size(); ++o) {
    if (!out[o]) continue;
    const OutputInfo& oi = ctx.outputs[o];
    RtValue& v = *out[o];
    v.kind = oi.kind;
    v.elem_dtype = oi.dtype;
    if (oi.kind != ValueKind::kTensor || !oi.shape_known) continue;
    if (step.alias[o] >= 0) {
      v.tensor.reset_view(in[step.alias[o]]->tensor, oi.shape);
      continue;
    }
    // Reuse last run's buffer when the shape did not change and nobody else holds it.
    LACUNA_RETURN_IF_ERROR(v.tensor.reuse_or_create(oi.dtype, oi.shape).with_context(step.describe()));
  }
  return Status::ok();
}

}  // namespace

Status RunContext::allocate_output(int i, DType dtype, Shape shape) const {
  RtValue& v = *out[i];
  v.kind = ValueKind::kTensor;
  return v.tensor.reuse_or_create(dtype, shape).with_context(std::string(node));
}

Status run_steps(const Plan& plan, RunState& st, ThreadPool& pool, StepTimes* times) {
  if (times) {
    times->seconds.resize(plan.steps.size(), 0.0);
    times->calls.resize(plan.steps.size(), 0);
  }
  RunContext ctx;
  ctx.pool = &pool;
  ctx.scratch = st.scratch_;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const Step& step = plan.steps[s];
    RtValue* const* in = st.in_ptrs_.data() + st.in_base_[s];
    RtValue* const* out = st.out_ptrs_.data() + st.out_base_[s];
    const auto t0 = times ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (step.dynamic) {
      LACUNA_RETURN_IF_ERROR(prepare_dynamic_outputs(step, st.infer_[s], in, out));
    } else {
      for (size_t o = 0; o < step.out.size(); ++o) {
        if (out[o] && step.alias[o] >= 0) {
          out[o]->tensor.reset_view(in[step.alias[o]]->tensor,
                                    plan.slots[static_cast<size_t>(step.out[o])].shape);
        }
      }
    }
    ctx.in = in;
    ctx.out = out;
    ctx.n_in = static_cast<int>(step.in.size());
    ctx.n_out = static_cast<int>(step.out.size());
    ctx.node = step.label;
    Status status = step.kernel->run(ctx);
    if (!status.is_ok()) {
      return status.message().rfind("node '", 0) == 0 ? status : status.with_context(step.describe());
    }
    if (times) {
      times->seconds[s] +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      times->calls[s] += 1;
    }
  }
  return Status::ok();
}

Status execute_values(const Plan& plan, RunState& st, ThreadPool& pool,
                      const std::vector<const RtValue*>& inputs, std::vector<RtValue>* outputs) {
  if (inputs.size() != plan.inputs.size()) {
    return internal_error("subgraph expects " + std::to_string(plan.inputs.size()) + " inputs, got " +
                          std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < plan.inputs.size(); ++i) st.values_[static_cast<size_t>(plan.inputs[i])] = *inputs[i];
  LACUNA_RETURN_IF_ERROR(run_steps(plan, st, pool, nullptr));
  outputs->resize(plan.outputs.size());
  for (size_t i = 0; i < plan.outputs.size(); ++i) (*outputs)[i] = st.values_[static_cast<size_t>(plan.outputs[i])];
  return Status::ok();
}

Status execute(const Plan& plan, RunState& st, ThreadPool& pool, const std::vector<Tensor>& inputs,
               std::vector<Tensor>* outputs, StepTimes* times) {
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    RtValue& v = st.values_[static_cast<size_t>(plan.inputs[i])];
    v.kind = ValueKind::kTensor;
    v.tensor = inputs[i];
  }
  LACUNA_RETURN_IF_ERROR(run_steps(plan, st, pool, times));
  outputs->resize(plan.outputs.size());
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const RtValue& v = st.values_[static_cast<size_t>(plan.outputs[i])];
    const Tensor& src = v.tensor;
    Tensor& dst = (*outputs)[i];
    if (v.kind != ValueKind::kTensor) {
      return unsupported("output '" + plan.slots[static_cast<size_t>(plan.outputs[i])].name +
                         "' is a sequence or optional; only tensor outputs can be returned");
    }
    const bool reusable = dst.defined() && dst.dtype() == src.dtype() && dst.shape() == src.shape() &&
                          dst.storage() && dst.storage().use_count() == 1 &&
                          dst.storage() != src.storage();
    if (!reusable) {
      if (src.dtype() == DType::kString) {
        dst = src.clone();
        continue;
      }
      auto t = Tensor::create(src.dtype(), src.shape());
      if (!t) return t.status();
      dst = std::move(t).value();
    }
    if (src.dtype() == DType::kString) {
      for (int64_t k = 0; k < src.numel(); ++k) dst.data<std::string>()[k] = src.data<std::string>()[k];
    } else if (src.nbytes()) {
      std::memcpy(dst.raw(), src.raw(), src.nbytes());
    }
  }
  return Status::ok();
}

}  // namespace lacuna::runtime
