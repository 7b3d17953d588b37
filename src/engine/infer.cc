// Shape inference, dtype promotion of 16-bit floats, and constant folding.
#include "engine/infer.h"

#include <set>

#include "ir/dtype_codes.h"
#include "ops/registry.h"
#include "ops/run_kernel.h"

namespace lacuna::engine {

namespace {

using runtime::InferContext;

bool is_half(DType t) { return t == DType::kFloat16 || t == DType::kBFloat16; }

// True when every input the kernel reads data from is constant (inputs it only needs the shape
// of must have a known shape).
bool all_inputs_constant(const ir::Graph& g, const ir::Node& n, const runtime::OpKernel& k) {
  if (!n.implicit_inputs.empty()) return false;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ir::ValueId v = n.inputs[i];
    if (v == ir::kNoValue || g.value(v).is_constant()) continue;
    if (k.reads_input_data(static_cast<int>(i)) || !g.value(v).shape || g.value(v).kind != ValueKind::kTensor) return false;
  }
  return true;
}

class Inferrer {
 public:
  Inferrer(ir::Graph& g, const InferOptions& o) : g_(g), opts_(o) {}

  Status run() {
    // Nodes appended during the walk (casts) are processed inline, then sorted in at the end.
    const size_t original = g_.nodes.size();
    for (size_t i = 0; i < original; ++i) {
      LACUNA_RETURN_IF_ERROR(visit(i));
    }
    if (g_.nodes.size() != original) return g_.topo_sort();
    return Status::ok();
  }

 private:
  Expected<const ops::OpEntry*> entry_for(const ir::Node& n) {
    const ops::OpEntry* e = ops::Registry::global().find(n.domain, n.op_type);
    if (!e) {
      std::string op = n.domain.empty() ? n.op_type : n.domain + ":" + n.op_type;
      return unsupported(n.describe() + ": operator " + op + " is not supported");
    }
    return e;
  }

  // Inserts Cast(to) reading `from`; returns the new value.
  Expected<ir::ValueId> add_cast(ir::ValueId from, DType to, ir::ValueId into = ir::kNoValue) {
    ir::Node c;
    c.op_type = "Cast";
    c.name = g_.unique_name(g_.value(from).name + "_cast");
    c.attrs["to"] = ir::Attribute::of_int(ir::dtype_code(to));
    if (into == ir::kNoValue) into = g_.add_value(c.name + "_out", to);
    c.inputs = {from};
    c.outputs = {into};
    const size_t idx = static_cast<size_t>(g_.add_node(std::move(c)));
    LACUNA_RETURN_IF_ERROR(visit(idx));
    return into;
  }

  Status visit(size_t idx) {
    LACUNA_ASSIGN_OR_RETURN(const ops::OpEntry* entry, entry_for(g_.nodes[idx]));
    const int64_t opset = g_.opset(g_.nodes[idx].domain);

    // 16-bit floats: compute in float32 unless the op only moves data.
    DType half = DType::kUndefined;
    if (!entry->any_dtype) {
      for (ir::ValueId v : g_.nodes[idx].inputs) {
        if (v != ir::kNoValue && g_.value(v).kind == ValueKind::kTensor && is_half(g_.value(v).dtype)) {
          half = g_.value(v).dtype;
        }
      }
    }
    if (half != DType::kUndefined) {
      for (size_t i = 0; i < g_.nodes[idx].inputs.size(); ++i) {
        const ir::ValueId v = g_.nodes[idx].inputs[i];
        if (v == ir::kNoValue || !is_half(g_.value(v).dtype)) continue;
        LACUNA_ASSIGN_OR_RETURN(ir::ValueId f32, add_cast(v, DType::kFloat32));
        g_.nodes[idx].inputs[i] = f32;
      }
    }

    const ir::Node& n = g_.nodes[idx];
    auto made = entry->reference()->make(n, opset);
    if (!made) return made.status().with_context(n.describe());
    auto kernel = std::move(made).value();

    InferContext ctx;
    ctx.node = n.describe();
    ctx.inputs.resize(n.inputs.size());
    bool shapes_known = true;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == ir::kNoValue) continue;
      const ir::Value& v = g_.value(n.inputs[i]);
      auto& ii = ctx.inputs[i];
      ii.present = true;
      ii.kind = v.kind;
      ii.dtype = v.dtype;
      if (v.shape) ii.shape = &*v.shape;
      if (v.is_constant()) ii.value = &v.constant;
      if (v.kind != ValueKind::kTensor || !v.shape) shapes_known = false;
    }
    ctx.outputs.resize(n.outputs.size());
    for (size_t o = 0; o < n.outputs.size(); ++o) ctx.outputs[o].wanted = n.outputs[o] != ir::kNoValue;

    if (!shapes_known) return Status::ok();  // decided at run time
    Status s = kernel->infer(ctx);
    if (s.code() == ErrorCode::kDynamic) return Status::ok();
    if (!s.is_ok()) return s.message().rfind("node '", 0) == 0 ? s : s.with_context(n.describe());

    std::vector<bool> known(n.outputs.size(), false);
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] == ir::kNoValue) continue;
      const auto& oi = ctx.outputs[o];
      if (!oi.set) return internal_error(n.describe() + ": output " + std::to_string(o) + " not inferred");
      ir::Value& v = g_.value(n.outputs[o]);
      v.kind = oi.kind;
      v.dtype = oi.dtype;
      if (oi.kind == ValueKind::kTensor && oi.shape_known) {
        v.shape = oi.shape;
        known[o] = true;
      } else {
        v.shape.reset();
      }
    }

    bool folded = false;
    if (opts_.fold_constants && kernel->foldable() && all_inputs_constant(g_, n, *kernel)) {
      bool ok = true;
      int64_t bytes = 0;
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        if (n.outputs[o] == ir::kNoValue) continue;
        if (!known[o]) ok = false;
        else bytes += numel(*g_.value(n.outputs[o]).shape) * static_cast<int64_t>(dtype_size(g_.value(n.outputs[o]).dtype));
      }
      if (ok && bytes <= opts_.max_folded_bytes) {
        std::vector<RtValue> in_vals(n.inputs.size());
        std::vector<const RtValue*> ptrs(n.inputs.size(), nullptr);
        for (size_t i = 0; i < n.inputs.size(); ++i) {
          if (n.inputs[i] == ir::kNoValue) continue;
          const ir::Value& v = g_.value(n.inputs[i]);
          // Shape-only inputs: a tensor with the shape and no data.
          in_vals[i].tensor = v.is_constant() ? v.constant : Tensor::wrap(v.dtype, *v.shape, nullptr);
          ptrs[i] = &in_vals[i];
        }
        std::vector<bool> wanted(n.outputs.size());
        for (size_t o = 0; o < n.outputs.size(); ++o) wanted[o] = n.outputs[o] != ir::kNoValue;
        auto outs = ops::run_kernel(*kernel, ptrs, wanted, n.describe());
        if (!outs) {
          const Status& e = outs.status();
          return e.message().rfind("node '", 0) == 0 ? e : e.with_context(n.describe());
        }
        for (size_t o = 0; o < n.outputs.size(); ++o) {
          if (n.outputs[o] == ir::kNoValue) continue;
          Tensor t = std::move((*outs)[o].tensor);
          // Folded views of another constant share its buffer; copy so each owns its data.
          g_.value(n.outputs[o]).constant = t;
        }
        folded = true;
      }
    }

    // Cast float32 results back to the 16-bit type the model declared.
    if (half != DType::kUndefined && !folded) {
      for (size_t o = 0; o < g_.nodes[idx].outputs.size(); ++o) {
        const ir::ValueId out = g_.nodes[idx].outputs[o];
        if (out == ir::kNoValue || g_.value(out).dtype != DType::kFloat32) continue;
        const ir::ValueId f32 = g_.add_value(g_.unique_name(g_.value(out).name + "_f32"), DType::kFloat32);
        g_.value(f32).shape = g_.value(out).shape;
        g_.value(f32).kind = g_.value(out).kind;
        g_.nodes[idx].outputs[o] = f32;
        g_.value(out).dtype = half;
        LACUNA_ASSIGN_OR_RETURN(ir::ValueId unused, add_cast(f32, half, out));
        (void)unused;
      }
    } else if (half != DType::kUndefined && folded) {
      for (ir::ValueId out : g_.nodes[idx].outputs) {
        if (out == ir::kNoValue || g_.value(out).dtype != DType::kFloat32) continue;
        auto r = ops::run_node(cast_node(half), 13, {g_.value(out).constant});
        if (!r) return r.status();
        g_.value(out).constant = (*r)[0];
        g_.value(out).dtype = half;
      }
    }
    return Status::ok();
  }

  static ir::Node cast_node(DType to) {
    ir::Node c;
    c.op_type = "Cast";
    c.name = "fold_cast";
    c.attrs["to"] = ir::Attribute::of_int(ir::dtype_code(to));
    c.inputs = {0};
    c.outputs = {0};
    return c;
  }

  ir::Graph& g_;
  const InferOptions& opts_;
};

}  // namespace

Status infer_graph(ir::Graph& g, const InferOptions& options) {
  return Inferrer(g, options).run();
}

std::set<ir::ValueId> prune_folded(ir::Graph& g) {
  std::set<ir::ValueId> folded;
  for (auto& n : g.nodes) {
    if (n.removed) continue;
    bool all_const = !n.outputs.empty();
    for (ir::ValueId v : n.outputs) {
      if (v != ir::kNoValue && !g.value(v).is_constant()) all_const = false;
    }
    if (!all_const) continue;
    n.removed = true;
    for (ir::ValueId v : n.outputs) {
      if (v != ir::kNoValue) folded.insert(v);
    }
  }
  g.remove_dead_nodes();
  (void)g.topo_sort();
  return folded;
}

}  // namespace lacuna::engine
