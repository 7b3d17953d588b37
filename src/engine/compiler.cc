// Kernel selection and memory planning.
#include "engine/compiler.h"

#include <algorithm>
#include <unordered_map>

#include "core/log.h"
#include "ops/registry.h"
#include "runtime/memory_planner.h"

namespace lacuna::engine {

namespace {

using namespace runtime;

void fill_context(const ir::Graph& g, const ir::Node& n, PrepareContext* ctx, bool* shapes_known) {
  ctx->node = n.describe();
  ctx->inputs.assign(n.inputs.size(), InputInfo{});
  *shapes_known = true;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = g.value(n.inputs[i]);
    InputInfo& ii = ctx->inputs[i];
    ii.present = true;
    ii.kind = v.kind;
    ii.dtype = v.dtype;
    if (v.shape) ii.shape = &*v.shape;
    if (v.is_constant()) ii.value = &v.constant;
    if (v.kind != ValueKind::kTensor || !v.shape) *shapes_known = false;
  }
  ctx->outputs.assign(n.outputs.size(), OutputInfo{});
  for (size_t o = 0; o < n.outputs.size(); ++o) ctx->outputs[o].wanted = n.outputs[o] != ir::kNoValue;
  ctx->constant_consumed.assign(n.inputs.size(), false);
}

}  // namespace

Expected<std::unique_ptr<Plan>> build_plan(ir::Graph& g, const KernelOptions& options) {
  auto plan = std::make_unique<Plan>();
  std::unordered_map<ir::ValueId, int> slot_of;
  auto slot = [&](ir::ValueId v) -> int {
    if (v == ir::kNoValue) return -1;
    auto it = slot_of.find(v);
    if (it != slot_of.end()) return it->second;
    const ir::Value& val = g.value(v);
    SlotInfo s;
    s.name = val.name;
    s.kind = val.kind;
    s.dtype = val.dtype;
    s.static_shape = val.shape.has_value() && val.kind == ValueKind::kTensor;
    if (s.static_shape) s.shape = *val.shape;
    if (val.is_constant()) s.constant = val.constant;
    const int id = static_cast<int>(plan->slots.size());
    plan->slots.push_back(std::move(s));
    slot_of[v] = id;
    return id;
  };
  for (ir::ValueId v : g.inputs) {
    plan->inputs.push_back(slot(v));
    plan->slots.back().is_input = true;
  }

  // Per value: live readers not yet compiled, and whether one of them reads it at run time.
  std::vector<int> readers(g.values.size(), 0);
  std::vector<bool> still_read(g.values.size(), false);
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    for (ir::ValueId v : n.all_inputs()) {
      if (v != ir::kNoValue) ++readers[static_cast<size_t>(v)];
    }
  }
  const auto& registry = ops::Registry::global();
  for (const ir::Node& n : g.nodes) {
    if (n.removed) continue;
    const ops::OpEntry* entry = registry.find(n.domain, n.op_type);
    if (!entry) return unsupported(n.describe() + ": operator is not supported");
    const int64_t opset = g.opset(n.domain);
    Step step;
    step.name = n.name;
    step.op_type = n.domain.empty() ? n.op_type : n.domain + ":" + n.op_type;
    step.label = n.describe();
    PrepareContext chosen_ctx;
    for (const ops::KernelImpl& impl : entry->impls) {
      if (options.reference_only && !impl.reference) continue;
      auto made = impl.make(n, opset);
      if (!made) {
        if (made.status().code() == ErrorCode::kUnsupported && !impl.reference) continue;
        return made.status().with_context(n.describe());
      }
      PrepareContext ctx;
      bool shapes_known = false;
      fill_context(g, n, &ctx, &shapes_known);
      ctx.options = &options;
      bool dynamic = !shapes_known || options.force_dynamic;
      if (!dynamic) {
        Status s = (*made)->infer(ctx);
        if (s.code() == ErrorCode::kDynamic) {
          dynamic = true;
        } else if (!s.is_ok()) {
          return s.message().rfind("node '", 0) == 0 ? s : s.with_context(n.describe());
        }
        for (const auto& o : ctx.outputs) {
          if (o.wanted && (!o.shape_known || o.kind != ValueKind::kTensor)) dynamic = true;
        }
      }
      if (dynamic) {  // shapes only at run time: the prepare step sees no shapes
        fill_context(g, n, &ctx, &shapes_known);
        for (auto& ii : ctx.inputs) ii.shape = nullptr;
        ctx.options = &options;
      }
      Status s = (*made)->prepare(ctx);
      if (s.code() == ErrorCode::kUnsupported && !impl.reference) {
        log_verbose(1, n.describe() + ": " + impl.name + " declined: " + s.message());
        continue;
      }
      if (!s.is_ok()) return s.message().rfind("node '", 0) == 0 ? s : s.with_context(n.describe());
      log_verbose(2, n.describe() + ": using " + impl.name + (dynamic ? " (shapes at run time)" : ""));
      step.kernel = std::move(made).value();
      step.impl = impl.name;
      step.dynamic = dynamic;
      chosen_ctx = std::move(ctx);
      break;
    }
    if (!step.kernel) return unsupported(n.describe() + ": no implementation accepted this node");
    step.scratch_bytes = chosen_ctx.scratch_bytes;
    step.decision = chosen_ctx.decision;
    step.flops = chosen_ctx.flops;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      step.alias.push_back(n.outputs[o] == ir::kNoValue ? -1 : step.kernel->output_alias(static_cast<int>(o)));
    }
    for (ir::ValueId v : n.all_inputs()) step.in.push_back(slot(v));
    step.explicit_inputs = static_cast<int>(n.inputs.size());
    // A constant whose readers have all packed it is freed now (the slot keeps its dtype and
    // shape, no data), so that the graph's copy of the weights shrinks as packing proceeds.
    {
      const std::vector<ir::ValueId> all = n.all_inputs();
      for (size_t i = 0; i < all.size(); ++i) {
        const ir::ValueId v = all[i];
        if (v == ir::kNoValue) continue;
        const bool packed = i < chosen_ctx.constant_consumed.size() && chosen_ctx.constant_consumed[i];
        if (!packed) still_read[static_cast<size_t>(v)] = true;
        if (--readers[static_cast<size_t>(v)] > 0 || still_read[static_cast<size_t>(v)]) continue;
        Tensor& c = g.value(v).constant;
        if (!c.defined() || !c.raw() || g.is_graph_output(v)) continue;
        c.drop_buffer();
        plan->slots[static_cast<size_t>(step.in[i])].constant = c;
      }
    }
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const ir::ValueId v = n.outputs[o];
      step.out.push_back(slot(v));
      if (v == ir::kNoValue || step.dynamic) continue;
      // Record what prepare/infer decided for static outputs.
      SlotInfo& s = plan->slots[static_cast<size_t>(slot_of[v])];
      const OutputInfo& oi = chosen_ctx.outputs[o];
      if (oi.set) {
        s.dtype = oi.dtype;
        s.kind = oi.kind;
        s.static_shape = oi.shape_known && oi.kind == ValueKind::kTensor;
        s.shape = oi.shape;
        g.value(v).dtype = oi.dtype;
        g.value(v).shape = oi.shape;
      }
    }
    plan->steps.push_back(std::move(step));
  }
  for (ir::ValueId v : g.outputs) {
    const int s = slot(v);
    plan->outputs.push_back(s);
    plan->slots[static_cast<size_t>(s)].is_output = true;
  }

  // Memory: static tensor slots produced by a step get arena buffers, except alias views.
  const int num_steps = static_cast<int>(plan->steps.size());
  std::vector<int> producer(plan->slots.size(), -1), last_use(plan->slots.size(), -1);
  std::vector<int> alias_root(plan->slots.size(), -1);
  for (int i = 0; i < static_cast<int>(plan->slots.size()); ++i) alias_root[static_cast<size_t>(i)] = i;
  for (int s = 0; s < num_steps; ++s) {
    const Step& st = plan->steps[static_cast<size_t>(s)];
    for (int in : st.in) {
      if (in >= 0) last_use[static_cast<size_t>(in)] = s;
    }
    for (size_t o = 0; o < st.out.size(); ++o) {
      const int out = st.out[o];
      if (out < 0) continue;
      producer[static_cast<size_t>(out)] = s;
      if (st.alias[o] >= 0 && st.in[static_cast<size_t>(st.alias[o])] >= 0) {
        alias_root[static_cast<size_t>(out)] = alias_root[static_cast<size_t>(st.in[static_cast<size_t>(st.alias[o])])];
      }
    }
  }
  for (int o : plan->outputs) last_use[static_cast<size_t>(o)] = num_steps;
  // Extend each root's lifetime over its aliases' uses.
  for (size_t i = 0; i < plan->slots.size(); ++i) {
    const size_t r = static_cast<size_t>(alias_root[i]);
    if (r != i) last_use[r] = std::max(last_use[r], last_use[i]);
  }
  std::vector<BufferRequest> requests;
  std::vector<int> request_slot;
  for (size_t i = 0; i < plan->slots.size(); ++i) {
    SlotInfo& s = plan->slots[i];
    if (alias_root[i] != static_cast<int>(i) || producer[i] < 0 || s.constant.defined() ||
        !s.static_shape || s.kind != ValueKind::kTensor || s.dtype == DType::kString) {
      continue;
    }
    // A dynamic step allocates its own outputs.
    if (plan->steps[static_cast<size_t>(producer[i])].dynamic) continue;
    BufferRequest r;
    // Refused like Tensor::create: an absurd static shape (e.g. TfIdfVectorizer with an
    // ngram_indexes entry near 2^31) is an error here, not an arena that run() fills.
    auto bytes = allocatable_bytes(s.dtype, s.shape);
    if (!bytes) return bytes.status().with_context("value '" + s.name + "'");
    r.bytes = *bytes;
    r.first_step = producer[i];
    r.last_step = std::max(last_use[i], producer[i]);
    requests.push_back(r);
    request_slot.push_back(static_cast<int>(i));
  }
  MemoryLayout layout = plan_memory(requests);
  for (size_t k = 0; k < requests.size(); ++k) {
    plan->slots[static_cast<size_t>(request_slot[k])].arena_offset = layout.offsets[k];
  }
  plan->arena_bytes = static_cast<size_t>(layout.total_bytes);
  for (const Step& st : plan->steps) plan->scratch_bytes = std::max(plan->scratch_bytes, st.scratch_bytes);
  // String outputs of static steps still need storage: give them heap tensors now.
  for (size_t i = 0; i < plan->slots.size(); ++i) {
    SlotInfo& s = plan->slots[i];
    if (s.dtype == DType::kString && s.static_shape && producer[i] >= 0 && !s.constant.defined() &&
        alias_root[i] == static_cast<int>(i) && !plan->steps[static_cast<size_t>(producer[i])].dynamic) {
      s.arena_offset = -2;  // see RunState::create
    }
  }
  return plan;
}

}  // namespace lacuna::engine
