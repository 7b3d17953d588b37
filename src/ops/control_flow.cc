// Control flow: If, Loop, Scan and SequenceMap. Their bodies are compiled by the engine into
// SubgraphRunners; values a body reads from the enclosing scope arrive as the node's implicit
// inputs (after the explicit ones), concatenated per graph attribute in attribute-name order.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "ops/common.h"
#include "ops/control_flow.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

std::atomic<int64_t> g_max_iterations{int64_t{1} << 32};

using runtime::SubgraphRunner;

// Slices a[.., index, ..] along `axis` (the axis is removed).
Tensor take_along(const Tensor& a, int axis, int64_t index) {
  Shape out_shape = a.shape();
  out_shape.erase(out_shape.begin() + axis);
  Tensor out(a.dtype(), out_shape);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= a.shape()[static_cast<size_t>(d)];
  for (int d = axis + 1; d < a.rank(); ++d) inner *= a.shape()[static_cast<size_t>(d)];
  const int64_t n = a.shape()[static_cast<size_t>(axis)];
  const size_t es = dtype_size(a.dtype());
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t src = (o * n + index) * inner;
    if (a.dtype() == DType::kString) {
      for (int64_t k = 0; k < inner; ++k) out.data<std::string>()[o * inner + k] = a.data<std::string>()[src + k];
    } else {
      std::memcpy(static_cast<uint8_t*>(out.raw()) + static_cast<size_t>(o * inner) * es,
                  static_cast<const uint8_t*>(a.raw()) + static_cast<size_t>(src) * es,
                  static_cast<size_t>(inner) * es);
    }
  }
  return out;
}

// Stacks equally shaped tensors along a new axis `axis`.
Expected<Tensor> stack(const std::vector<Tensor>& items, int axis, DType dtype, const std::string& node) {
  if (items.empty()) return Tensor(dtype == DType::kUndefined ? DType::kFloat32 : dtype, {0});
  const Shape& s0 = items[0].shape();
  for (const Tensor& t : items) {
    if (t.shape() != s0 || t.dtype() != items[0].dtype()) {
      return invalid_argument(node + ": scan outputs change shape or dtype between iterations");
    }
  }
  if (axis < 0) axis += static_cast<int>(s0.size()) + 1;
  if (axis < 0 || axis > static_cast<int>(s0.size())) return invalid_model(node + ": bad scan output axis");
  Shape out_shape = s0;
  out_shape.insert(out_shape.begin() + axis, static_cast<int64_t>(items.size()));
  LACUNA_ASSIGN_OR_RETURN(Tensor out, Tensor::create(items[0].dtype(), out_shape));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s0[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis); d < s0.size(); ++d) inner *= s0[d];
  const auto n = static_cast<int64_t>(items.size());
  const size_t es = dtype_size(out.dtype());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t dst = (o * n + i) * inner;
      if (out.dtype() == DType::kString) {
        for (int64_t k = 0; k < inner; ++k)
          out.data<std::string>()[dst + k] = items[static_cast<size_t>(i)].data<std::string>()[o * inner + k];
      } else {
        std::memcpy(static_cast<uint8_t*>(out.raw()) + static_cast<size_t>(dst) * es,
                    static_cast<const uint8_t*>(items[static_cast<size_t>(i)].raw()) + static_cast<size_t>(o * inner) * es,
                    static_cast<size_t>(inner) * es);
      }
    }
  }
  return out;
}

// Shared by the three: the body graphs, their outer-scope input ranges and compiled runners.
class ControlFlowKernel : public KernelBase {
 public:
  ControlFlowKernel(const ir::Node& n, int64_t opset) : KernelBase(n, opset) {
    size_t offset = 0;
    for (const auto& [name, a] : n.attrs) {  // std::map: attribute-name order, as the importer
      if (a.kind != ir::Attribute::Kind::kGraph) continue;
      Body b;
      b.graph = a.g;
      b.outer_offset = offset;
      b.outer_count = a.g->outer_refs.size();
      offset += b.outer_count;
      bodies_[name] = std::move(b);
    }
  }
  bool foldable() const override { return false; }

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.options || !ctx.options->compile_subgraph) {
      return not_supported("subgraphs cannot run in this context");
    }
    for (auto& [name, b] : bodies_) {
      auto r = ctx.options->compile_subgraph(*b.graph);
      if (!r) return r.status().with_context(node_ + ": body '" + name + "'");
      b.runner = std::move(r).value();
    }
    return Status::ok();
  }

 protected:
  struct Body {
    std::shared_ptr<ir::Graph> graph;
    size_t outer_offset = 0;
    size_t outer_count = 0;
    std::shared_ptr<SubgraphRunner> runner;
  };

  Status require_body(const char* name) const {
    if (!bodies_.count(name)) return error(std::string("attribute '") + name + "' (a graph) is required");
    return Status::ok();
  }
  const Body& body(const char* name) const { return bodies_.at(name); }
  // The body's formal inputs, then its outer values taken from the implicit inputs.
  void add_outer(const Body& b, const RunContext& ctx, std::vector<const RtValue*>* in) const {
    for (size_t k = 0; k < b.outer_count; ++k) in->push_back(&ctx.input_value(num_inputs_ + static_cast<int>(b.outer_offset + k)));
  }
  // Declared dtype/kind of output i of a body, for infer.
  static void declare_output(InferContext& ctx, int i, const ir::Graph& g, size_t body_output) {
    if (body_output >= g.outputs.size()) {
      ctx.set_output_deferred(i, DType::kUndefined);
      return;
    }
    const ir::Value& v = g.value(g.outputs[body_output]);
    if (v.kind == ValueKind::kTensor) ctx.set_output_deferred(i, v.dtype);
    else ctx.set_output_kind(i, v.kind, v.dtype);
  }

  std::map<std::string, Body> bodies_;
};

class IfKernel : public ControlFlowKernel {
 public:
  using ControlFlowKernel::ControlFlowKernel;
  Status init() {
    LACUNA_RETURN_IF_ERROR(require_body("then_branch"));
    return require_body("else_branch");
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kBool}));
    const ir::Graph& then_g = *body("then_branch").graph;
    const ir::Graph& else_g = *body("else_branch").graph;
    if (then_g.outputs.size() != else_g.outputs.size() ||
        then_g.outputs.size() != static_cast<size_t>(ctx.num_outputs())) {
      return ctx.error("then/else branches and the node have different output counts");
    }
    for (int i = 0; i < ctx.num_outputs(); ++i) declare_output(ctx, i, then_g, static_cast<size_t>(i));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& c = ctx.input(0);
    if (c.numel() != 1) return ctx.error("the condition must have exactly one element");
    const Body& b = body(c.data<bool>()[0] ? "then_branch" : "else_branch");
    std::vector<const RtValue*> in;
    add_outer(b, ctx, &in);
    std::vector<RtValue> outs;
    LACUNA_RETURN_IF_ERROR(b.runner->run(in, &outs, *ctx.pool));
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      if (ctx.has_output(i)) ctx.output_value(i) = outs[static_cast<size_t>(i)];
    }
    return Status::ok();
  }
};

class LoopKernel : public ControlFlowKernel {
 public:
  using ControlFlowKernel::ControlFlowKernel;
  Status init() { return require_body("body"); }
  Status infer(InferContext& ctx) override {
    const ir::Graph& g = *body("body").graph;
    const int carried = ctx.num_inputs() - 2;
    if (carried < 0) return ctx.error("needs at least the M and cond inputs (possibly empty)");
    if (g.inputs.size() != static_cast<size_t>(carried + 2)) {
      return ctx.error("the body has " + std::to_string(g.inputs.size()) + " inputs; expected " +
                       std::to_string(carried + 2));
    }
    // Body outputs: the condition, the carried values, then one per scan output of the node (run
    // relies on this: infer precedes every run).
    const int need = 1 + std::max(carried, ctx.num_outputs());
    if (g.outputs.size() < static_cast<size_t>(need)) {
      return ctx.error("the body has " + std::to_string(g.outputs.size()) + " outputs; " + std::to_string(carried) +
                       " carried values and the node's " + std::to_string(ctx.num_outputs()) + " outputs need " +
                       std::to_string(need));
    }
    for (int i = 0; i < ctx.num_outputs(); ++i) declare_output(ctx, i, g, static_cast<size_t>(i + 1));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Body& b = body("body");
    const int carried = num_inputs_ - 2;
    int64_t max_trips = std::numeric_limits<int64_t>::max();
    if (ctx.has_input(0) && ctx.input(0).numel() > 0) max_trips = ctx.input(0).to_int64_vector()[0];
    bool cond = true;
    if (ctx.has_input(1) && ctx.input(1).numel() > 0) cond = ctx.input(1).data<bool>()[0];
    std::vector<RtValue> state(static_cast<size_t>(carried));
    for (int k = 0; k < carried; ++k) state[static_cast<size_t>(k)] = ctx.input_value(2 + k);
    const int scans = num_outputs_ - carried;
    std::vector<std::vector<Tensor>> scan_items(static_cast<size_t>(std::max(scans, 0)));
    RtValue iter, cond_v;
    iter.tensor = Tensor(DType::kInt64, {});
    cond_v.tensor = Tensor(DType::kBool, {});
    std::vector<RtValue> outs;
    for (int64_t i = 0; i < max_trips && cond; ++i) {
      if (i >= g_max_iterations) return ctx.error("exceeded the loop iteration limit");
      iter.tensor.data<int64_t>()[0] = i;
      cond_v.tensor.data<bool>()[0] = cond;
      std::vector<const RtValue*> in = {&iter, &cond_v};
      for (const RtValue& v : state) in.push_back(&v);
      add_outer(b, ctx, &in);
      LACUNA_RETURN_IF_ERROR(b.runner->run(in, &outs, *ctx.pool));
      if (outs.size() != static_cast<size_t>(1 + carried + scans)) return ctx.error("the body returned the wrong number of outputs");
      const Tensor& c = outs[0].tensor;
      if (c.dtype() != DType::kBool || c.numel() != 1) return ctx.error("the body's condition must be one bool");
      cond = c.data<bool>()[0];
      for (int k = 0; k < carried; ++k) state[static_cast<size_t>(k)] = outs[static_cast<size_t>(1 + k)];
      for (int k = 0; k < scans; ++k) scan_items[static_cast<size_t>(k)].push_back(outs[static_cast<size_t>(1 + carried + k)].tensor);
    }
    for (int k = 0; k < carried; ++k) {
      if (ctx.has_output(k)) ctx.output_value(k) = state[static_cast<size_t>(k)];
    }
    const ir::Graph& g = *b.graph;
    for (int k = 0; k < scans; ++k) {
      if (!ctx.has_output(carried + k)) continue;
      const DType dt = g.value(g.outputs[static_cast<size_t>(1 + carried + k)]).dtype;
      LACUNA_ASSIGN_OR_RETURN(Tensor t, stack(scan_items[static_cast<size_t>(k)], 0, dt, node_));
      RtValue& o = ctx.output_value(carried + k);
      o.kind = ValueKind::kTensor;
      o.tensor = std::move(t);
    }
    return Status::ok();
  }
};

class ScanKernel : public ControlFlowKernel {
 public:
  using ControlFlowKernel::ControlFlowKernel;
  Status init() {
    LACUNA_RETURN_IF_ERROR(require_body("body"));
    num_scan_ = attr_int("num_scan_inputs", -1);
    if (num_scan_ < 1) return error("num_scan_inputs must be >= 1");
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    const ir::Graph& g = *body("body").graph;
    const int first = opset_ < 9 ? 1 : 0;  // opset 8 starts with sequence_lens
    const int states = ctx.num_inputs() - first - static_cast<int>(num_scan_);
    if (states < 0) return ctx.error("fewer inputs than num_scan_inputs");
    if (g.inputs.size() != static_cast<size_t>(states + num_scan_)) return ctx.error("body input count mismatch");
    for (int i = 0; i < ctx.num_outputs(); ++i) declare_output(ctx, i, g, static_cast<size_t>(i));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const int first = opset_ < 9 ? 1 : 0;
    const int states = num_inputs_ - first - static_cast<int>(num_scan_);
    const int scans_out = num_outputs_ - states;
    if (opset_ < 9) {  // batched form: run the opset-9 semantics per batch entry
      if (ctx.has_input(0)) return not_supported("Scan-8 sequence_lens is not supported");
      if (states + num_scan_ < 1) return ctx.error("Scan-8 needs at least one input");
      for (int k = 0; k < states + num_scan_; ++k) {
        const Tensor& t = ctx.input(first + k);
        if (t.rank() < 1 || t.dim(0) != ctx.input(first).dim(0)) {
          return ctx.error("Scan-8 input " + std::to_string(first + k) + " " + shape_to_string(t.shape()) +
                               " must have the batch as its first dimension");
        }
      }
      const int64_t batch = ctx.input(first).dim(0);
      std::vector<std::vector<Tensor>> outs(static_cast<size_t>(num_outputs_));
      for (int64_t bi = 0; bi < batch; ++bi) {
        std::vector<RtValue> in(static_cast<size_t>(states + num_scan_));
        for (int k = 0; k < states + num_scan_; ++k) in[static_cast<size_t>(k)].tensor = take_along(ctx.input(first + k), 0, bi);
        std::vector<Tensor> result;
        LACUNA_RETURN_IF_ERROR(scan_once(ctx, in, states, scans_out, /*scan_axis_base=*/0, &result));
        for (int o = 0; o < num_outputs_; ++o) outs[static_cast<size_t>(o)].push_back(result[static_cast<size_t>(o)]);
      }
      for (int o = 0; o < num_outputs_; ++o) {
        if (!ctx.has_output(o)) continue;
        LACUNA_ASSIGN_OR_RETURN(Tensor t, stack(outs[static_cast<size_t>(o)], 0, DType::kUndefined, node_));
        ctx.output_value(o).kind = ValueKind::kTensor;
        ctx.output_value(o).tensor = std::move(t);
      }
      return Status::ok();
    }
    std::vector<RtValue> in(static_cast<size_t>(states + num_scan_));
    for (int k = 0; k < states + num_scan_; ++k) in[static_cast<size_t>(k)] = ctx.input_value(k);
    std::vector<Tensor> result;
    LACUNA_RETURN_IF_ERROR(scan_once(ctx, in, states, scans_out, 0, &result));
    for (int o = 0; o < num_outputs_; ++o) {
      if (!ctx.has_output(o)) continue;
      ctx.output_value(o).kind = ValueKind::kTensor;
      ctx.output_value(o).tensor = result[static_cast<size_t>(o)];
    }
    return Status::ok();
  }

 private:
  Status scan_once(RunContext& ctx, const std::vector<RtValue>& in, int states, int scans_out,
                   int /*scan_axis_base*/, std::vector<Tensor>* result) const {
    const Body& b = body("body");
    const auto in_axes = attr_ints("scan_input_axes", std::vector<int64_t>(static_cast<size_t>(num_scan_), 0));
    const auto in_dirs = attr_ints(opset_ < 9 ? "directions" : "scan_input_directions",
                                   std::vector<int64_t>(static_cast<size_t>(num_scan_), 0));
    const auto out_axes = attr_ints("scan_output_axes", std::vector<int64_t>(static_cast<size_t>(scans_out), 0));
    const auto out_dirs = attr_ints("scan_output_directions", std::vector<int64_t>(static_cast<size_t>(scans_out), 0));
    if (in_axes.size() != static_cast<size_t>(num_scan_) || in_dirs.size() != static_cast<size_t>(num_scan_) ||
        out_axes.size() != static_cast<size_t>(scans_out) || out_dirs.size() != static_cast<size_t>(scans_out)) {
      return error("scan axes/directions attributes have the wrong length");
    }
    int64_t steps = -1;
    std::vector<int> axes(static_cast<size_t>(num_scan_));
    for (int k = 0; k < num_scan_; ++k) {
      const Tensor& t = in[static_cast<size_t>(states + k)].tensor;
      if (t.rank() < 1) return bad_input("scan input " + std::to_string(states + k) + " is a scalar: nothing to scan");
      LACUNA_ASSIGN_OR_RETURN(axes[static_cast<size_t>(k)], normalize_axis(in_axes[static_cast<size_t>(k)], t.rank(), node_));
      const int64_t len = t.shape()[static_cast<size_t>(axes[static_cast<size_t>(k)])];
      if (steps >= 0 && len != steps) return bad_input("scan inputs have different lengths");
      steps = len;
    }
    std::vector<RtValue> state(in.begin(), in.begin() + states);
    std::vector<std::vector<Tensor>> items(static_cast<size_t>(scans_out));
    std::vector<RtValue> slices(static_cast<size_t>(num_scan_));
    std::vector<RtValue> outs;
    for (int64_t t = 0; t < steps; ++t) {
      std::vector<const RtValue*> args;
      for (const RtValue& s : state) args.push_back(&s);
      for (int k = 0; k < num_scan_; ++k) {
        const int64_t idx = in_dirs[static_cast<size_t>(k)] ? steps - 1 - t : t;
        slices[static_cast<size_t>(k)].tensor = take_along(in[static_cast<size_t>(states + k)].tensor, axes[static_cast<size_t>(k)], idx);
        args.push_back(&slices[static_cast<size_t>(k)]);
      }
      add_outer(b, ctx, &args);
      LACUNA_RETURN_IF_ERROR(b.runner->run(args, &outs, *ctx.pool));
      if (outs.size() != static_cast<size_t>(states + scans_out)) return error("the body returned the wrong number of outputs");
      for (int k = 0; k < states; ++k) state[static_cast<size_t>(k)] = outs[static_cast<size_t>(k)];
      for (int k = 0; k < scans_out; ++k) items[static_cast<size_t>(k)].push_back(outs[static_cast<size_t>(states + k)].tensor);
    }
    result->clear();
    for (int k = 0; k < states; ++k) result->push_back(state[static_cast<size_t>(k)].tensor);
    for (int k = 0; k < scans_out; ++k) {
      auto& v = items[static_cast<size_t>(k)];
      if (out_dirs[static_cast<size_t>(k)]) std::reverse(v.begin(), v.end());
      const int rank = v.empty() ? 0 : v[0].rank();
      LACUNA_ASSIGN_OR_RETURN(int axis, normalize_axis(out_axes[static_cast<size_t>(k)], rank + 1, node_));
      LACUNA_ASSIGN_OR_RETURN(Tensor st, stack(v, axis, DType::kUndefined, node_));
      result->push_back(std::move(st));
    }
    return Status::ok();
  }

  int64_t num_scan_ = 0;
};

// SequenceMap: runs the body once per element of the first sequence; sequence inputs supply
// their i-th element, tensor inputs are passed unchanged; each body output collects into a
// sequence.
class SequenceMapKernel : public ControlFlowKernel {
 public:
  using ControlFlowKernel::ControlFlowKernel;
  Status init() { return require_body("body"); }
  Status infer(InferContext& ctx) override {
    if (!ctx.has_input(0) || ctx.inputs[0].kind != ValueKind::kSequence) {
      return ctx.bad_input("input 0 must be a sequence");
    }
    const ir::Graph& g = *body("body").graph;
    if (g.inputs.size() != static_cast<size_t>(ctx.num_inputs())) {
      return ctx.error("the body takes " + std::to_string(g.inputs.size()) + " inputs; the node has " +
                       std::to_string(ctx.num_inputs()));
    }
    if (g.outputs.size() != static_cast<size_t>(ctx.num_outputs())) return ctx.error("body/node output counts differ");
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      ctx.set_output_kind(i, ValueKind::kSequence, g.value(g.outputs[static_cast<size_t>(i)]).dtype);
    }
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Body& b = body("body");
    const size_t n = ctx.input_value(0).sequence.size();
    for (int i = 1; i < num_inputs_; ++i) {
      const RtValue& v = ctx.input_value(i);
      if (v.kind == ValueKind::kSequence && v.sequence.size() != n) {
        return ctx.error("sequence inputs have different lengths");
      }
    }
    std::vector<std::vector<Tensor>> results(static_cast<size_t>(num_outputs_));
    std::vector<RtValue> items(static_cast<size_t>(num_inputs_));
    std::vector<RtValue> outs;
    for (size_t k = 0; k < n; ++k) {
      std::vector<const RtValue*> args;
      for (int i = 0; i < num_inputs_; ++i) {
        const RtValue& v = ctx.input_value(i);
        if (v.kind == ValueKind::kSequence) {
          items[static_cast<size_t>(i)] = RtValue::of(v.sequence[k]);
          args.push_back(&items[static_cast<size_t>(i)]);
        } else {
          args.push_back(&v);
        }
      }
      add_outer(b, ctx, &args);
      LACUNA_RETURN_IF_ERROR(b.runner->run(args, &outs, *ctx.pool));
      for (int o = 0; o < num_outputs_; ++o) results[static_cast<size_t>(o)].push_back(outs[static_cast<size_t>(o)].tensor);
    }
    const ir::Graph& g = *b.graph;
    for (int o = 0; o < num_outputs_; ++o) {
      if (!ctx.has_output(o)) continue;
      RtValue& out = ctx.output_value(o);
      out.kind = ValueKind::kSequence;
      out.sequence = std::move(results[static_cast<size_t>(o)]);
      out.elem_dtype = out.sequence.empty() ? g.value(g.outputs[static_cast<size_t>(o)]).dtype : out.sequence[0].dtype();
    }
    return Status::ok();
  }
};

}  // namespace

void set_max_loop_iterations(int64_t n) { g_max_iterations = n; }

void register_control_flow_ops(Registry& r) {
  r.add("", "If", make_impl<IfKernel>("if"), true);
  r.add("", "Loop", make_impl<LoopKernel>("loop"), true);
  r.add("", "Scan", make_impl<ScanKernel>("scan"), true);
  r.add("", "SequenceMap", make_impl<SequenceMapKernel>("sequence_map"), true);
}

}  // namespace lacuna::ops
