// Session: the loaded model plus a cache of plans compiled per input-shape signature.
#include "lacuna/session.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <set>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/cpu.h"
#include "core/log.h"
#include "engine/batch_split.h"
#include "engine/compiler.h"
#include "engine/infer.h"
#include "engine/subgraph.h"
#include "kernels/dense/blocked.h"
#include "ir/graph.h"
#include "onnx/import.h"
#include "ops/sparse_policy.h"
#include "passes/pass_manager.h"
#include "runtime/executor.h"
#include "runtime/thread_pool.h"

namespace lacuna {

namespace {

// What compile() found about splitting the batch.
struct SplitInfo {
  int64_t batch = 0;                             // >= 2: separable, compile parts of it instead
  int64_t part = 1;                              // samples per part (batch % part == 0)
  std::vector<std::pair<DType, Shape>> outputs;  // the batch's output types
  // The parts run side by side, one per thread, each on a single-threaded plan (no barrier
  // between layers, each core's caches to itself), rather than one after another with every
  // layer split over the threads.
  bool parallel = false;
  int64_t parts() const { return batch / part; }
};

struct Compiled {
  std::vector<Shape> shapes;               // of the required inputs, then the overrides
  std::vector<std::string> overrides;      // initializer-inputs the caller replaces
  int threads = 1;                         // the kernels' work is planned for this many threads
  std::unique_ptr<runtime::Plan> plan;
  std::vector<std::unique_ptr<runtime::RunState>> idle;  // run states not in use
  runtime::StepTimes times;
  std::mutex times_mu;
  // Batch splitting: the batch-1 compilation this batch runs as, one sample at a time (`plan` is
  // then null), and the batch's size and output types.
  Compiled* per_sample = nullptr;
  SplitInfo split;
  // The plan that runs: this one's, or the batch-1 plan it splits into.
  const runtime::Plan& running() const { return per_sample ? *per_sample->plan : *plan; }
};

IoInfo io_info(const ir::Graph& g, ir::ValueId id) {
  IoInfo io;
  const ir::Value& v = g.value(id);
  io.name = v.name;
  io.kind = v.kind;
  io.dtype = v.dtype;
  auto it = g.declared_dims.find(id);
  if (it != g.declared_dims.end()) {
    for (const ir::Dim& d : it->second) {
      io.dims.push_back(d.value);
      io.dim_params.push_back(d.value >= 0 ? "" : (d.param.empty() ? "?" : d.param));
    }
  } else if (v.shape) {
    io.dims = *v.shape;
    io.dim_params.assign(v.shape->size(), "");
  }
  return io;
}

}  // namespace

struct Session::Impl {
  Options options;
  std::string name;
  ir::Graph model;
  std::vector<IoInfo> inputs, outputs;
  // Each input's declared dims as text ("" if undeclared), for errors: kept apart from `model`,
  // which compiling may replace while other threads check their inputs.
  std::vector<std::string> declared_dims;
  runtime::KernelOptions kernel_options;
  int threads = 1;
  std::vector<int> pin_cpus;
  // Thread pools not in use: each concurrent run takes one (streams do not share workers).
  std::vector<std::unique_ptr<runtime::ThreadPool>> idle_pools;
  std::mutex mu;
  std::vector<std::unique_ptr<Compiled>> cache;
  Compiled* last = nullptr;
  // The model file, when the session was loaded from one: the model's weights are then dropped
  // while compiling (the plans keep what they need, mostly packed), and re-read from the file
  // should another shape signature need compiling.
  std::string source_path;
  bool weights_released = false;

  Status reload_weights();

  Status check_input(size_t i, const Tensor& t) const;
  Expected<Compiled*> compiled_for(const std::vector<Shape>& shapes,
                                   const std::vector<std::string>& overrides,
                                   const std::vector<Tensor>* override_values);
  Expected<std::unique_ptr<runtime::Plan>> compile(const std::vector<Shape>& shapes,
                                                   const std::vector<std::string>& overrides, int plan_threads,
                                                   SplitInfo* split = nullptr);
  Expected<Compiled*> compiled_locked(const std::vector<Shape>& shapes, const std::vector<std::string>& overrides,
                                      int plan_threads);
  Status run_split(Compiled* c, const std::vector<Tensor>& in, std::vector<Tensor>* outs);
  // Adds a run's step times, scaled by `share` (samples run side by side count their share).
  void add_times(Compiled* c, const runtime::StepTimes& t, double share = 1.0);
  Status run(const std::vector<Tensor>& inputs, const std::vector<std::string>& overrides,
             std::vector<Tensor>* outputs);
  Status run_values(const std::vector<Value>& inputs, std::vector<Value>* outputs);
  Expected<std::unique_ptr<runtime::RunState>> acquire(Compiled* c);
  void release(Compiled* c, std::unique_ptr<runtime::RunState> state);
  std::unique_ptr<runtime::ThreadPool> acquire_pool();
  void release_pool(std::unique_ptr<runtime::ThreadPool> pool);
};

Status Session::Impl::check_input(size_t i, const Tensor& t) const {
  const IoInfo& io = inputs[i];
  if (io.kind != ValueKind::kTensor) {
    return invalid_argument("input '" + io.name + "' is a " +
                            (io.kind == ValueKind::kSequence ? "sequence" : "optional") +
                            "; pass it with Session::run_values");
  }
  if (!t.defined()) return invalid_argument("input '" + io.name + "' is missing");
  if (io.dtype != DType::kUndefined && t.dtype() != io.dtype) {
    return invalid_argument("input '" + io.name + "' has dtype " + std::string(dtype_name(t.dtype())) +
                            " but the model expects " + std::string(dtype_name(io.dtype)));
  }
  if (!io.dims.empty() || t.rank() == 0) {
    bool ok = io.dims.size() == static_cast<size_t>(t.rank());
    for (size_t d = 0; ok && d < io.dims.size(); ++d) {
      if (io.dims[d] >= 0 && io.dims[d] != t.shape()[d]) ok = false;
    }
    if (!ok && !declared_dims[i].empty()) {
      return invalid_argument("input '" + io.name + "' has shape " + shape_to_string(t.shape()) +
                              " but the model expects " + declared_dims[i]);
    }
  }
  return Status::ok();
}

// The feature-major transformer layout is off unless LACUNA_FEATURE_MAJOR=1: measured on
// bert-base-p90 (b1, 1 thread) it is not faster than the token-major path, whose sparse kernel
// packs 16-token tiles (the padded token rows it needs to avoid L1 set aliasing cost 12.5% more
// columns at 128 tokens).
bool feature_major_layout_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("LACUNA_FEATURE_MAJOR");
    return env && env[0] == '1';
  }();
  return on;
}

// The blocked layout's channel block: that of the CPU tier's NCHWc kernels (16 with AVX-512, 8
// with AVX2), so the pass and the kernels agree. On by default wherever the kernels are
// vectorized: it measured faster than NCHW on ResNet-50, VGG-16 and MobileNet-V2 at batch 1 and
// 16 (1 thread). Off on the scalar tier, which nobody has measured. LACUNA_BLOCKED=0/1 overrides
// (a debugging switch); --disable-pass blocked_layout skips the pass.
int64_t blocked_layout_block(const CpuInfo& cpu) {
  const char* env = std::getenv("LACUNA_BLOCKED");
  const bool on = env && env[0] != '\0' ? env[0] == '1' : cpu.has(Isa::kAvx2);
  return on ? kernels::blocked_channels(cpu) : 0;
}

namespace {

// A copy of `g` whose large constants are data-less placeholders (same dtype and shape).
ir::Graph without_weights(const ir::Graph& g) {
  constexpr size_t kKeepBelow = 4096;  // small constants are not worth re-reading the file for
  ir::Graph skeleton = g;
  for (ir::Value& value : skeleton.values) {
    Tensor& t = value.constant;
    if (!t.defined() || !t.raw() || t.dtype() == DType::kString || t.nbytes() < kKeepBelow) continue;
    t.drop_buffer();
  }
  return skeleton;
}

}  // namespace

Status Session::Impl::reload_weights() {
  LACUNA_ASSIGN_OR_RETURN(ir::Graph g, onnx_io::import_model(source_path));
  if (g.values.size() != model.values.size()) return internal_error(source_path + " changed since it was loaded");
  model = std::move(g);
  weights_released = false;
  return Status::ok();
}

Expected<std::unique_ptr<runtime::Plan>> Session::Impl::compile(
    const std::vector<Shape>& shapes, const std::vector<std::string>& overrides, int plan_threads, SplitInfo* split) {
  if (weights_released) LACUNA_RETURN_IF_ERROR(reload_weights().with_context(name));
  ir::Graph g = model;  // values and nodes are copied; tensors share their buffers
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    if (g.value(g.inputs[i]).kind == ValueKind::kTensor) g.value(g.inputs[i]).shape = shapes[i];
  }
  for (size_t k = 0; k < overrides.size(); ++k) {
    const ir::ValueId v = g.find(overrides[k]);
    g.value(v).constant = Tensor();
    g.value(v).shape = shapes[g.inputs.size() + k];
    g.inputs.push_back(v);
  }
  engine::InferOptions io;
  LACUNA_RETURN_IF_ERROR(engine::infer_graph(g, io).with_context(name));
  const std::set<ir::ValueId> folded = engine::prune_folded(g);  // for batch splitting
  // Whether a Conv or a linear layer with constant weights will run on a sparse kernel: the
  // batch-splitting decision and the layout passes ask the kernels' own cost model.
  runtime::KernelOptions ko = kernel_options;
  ko.num_threads = plan_threads;
  const engine::RunsSparse runs_sparse = [&ko](const ir::Graph& graph, const ir::Node& n) {
    const Tensor& w = graph.value(n.inputs[1]).constant;
    if (w.rank() >= 3) {  // Conv or lacuna:FusedConv: [K, C/groups, kernel...]
      const Shape& y = *graph.value(n.outputs[0]).shape;
      int64_t pixels = 1;
      for (size_t d = 2; d < y.size(); ++d) pixels *= y[d];
      return ops::choose_sparse_conv(ko, w, n.attr_int("group", 1), pixels).sparse;
    }
    return ops::choose_sparse_gemm(ko, w, *graph.value(n.inputs[0]).shape).sparse;
  };
  if (split) {
    // 64 MB: VGG-16's classifier (400 MB) wants the batch; ResNet-50's (8 MB) does not.
    constexpr int64_t kMaxSplitWeightBytes = int64_t{64} << 20;
    // Parts of a batch that keep the batch (dense layers reuse each weight over the part's
    // samples): at least this many samples.
    constexpr int64_t kMinDensePart = 4;
    *split = SplitInfo();
    const bool sample_by_sample =
        options.batch_split != "off" && engine::split_pays_off(g, kMaxSplitWeightBytes, runs_sparse);
    const bool thread_parts = options.batch_split != "off" && plan_threads >= 2 && !sample_by_sample &&
                              engine::parts_pay_off(g, kMaxSplitWeightBytes, runs_sparse);
    const int64_t n = overrides.empty() && (sample_by_sample || thread_parts) ? engine::separable_batch(g, folded) : 0;
    if (n >= 2 && sample_by_sample) {
      // One sample at a time; side by side, one per thread, when every thread gets a sample and
      // they spread evenly (bert-base-p90 at batch 16 on 2 threads: 555 ms with every layer split
      // over both threads, 503 ms side by side).
      split->batch = n;
      split->parallel = plan_threads >= 2 && (n % plan_threads == 0 || n >= 2 * plan_threads);
    } else if (n >= 2 && thread_parts && n % plan_threads == 0 && n / plan_threads >= kMinDensePart) {
      // Mostly dense: a part of the batch per thread, side by side (dense ResNet-50 at batch 16:
      // 662 ms on 2 threads, 506 ms for a batch of 8 on 1 thread).
      split->batch = n;
      split->part = n / plan_threads;
      split->parallel = true;
    }
    if (split->batch >= 2) {
      // The batch runs on the part's plan, so it is not compiled (nor its weights packed) itself:
      // only its outputs' types are kept, which must be static and lead with the batch.
      split->outputs.clear();
      for (ir::ValueId v : g.outputs) {
        const ir::Value& value = g.value(v);
        if (value.kind != ValueKind::kTensor || !value.shape || value.shape->empty() ||
            (*value.shape)[0] != split->batch) {
          *split = SplitInfo();
          break;
        }
        split->outputs.push_back({value.dtype, *value.shape});
      }
      if (split->batch >= 2) return std::unique_ptr<runtime::Plan>();
    }
  }
  if (!source_path.empty()) {
    // The weights now live in `g` alone, so each is freed as soon as it is packed (or replaced by
    // a pass); the session keeps the model without them and re-reads the file for another shape.
    model = without_weights(model);
    weights_released = true;
  }
  passes::PassContext pc;
  pc.disabled = options.disabled_passes;
  pc.optimize = options.optimize && !options.reference_only;
  pc.channel_block = blocked_layout_block(*kernel_options.cpu);
  pc.conv_runs_sparse = runs_sparse;
  if (feature_major_layout_enabled()) pc.gemm_runs_sparse = runs_sparse;
  LACUNA_RETURN_IF_ERROR(passes::run_passes(g, pc).with_context(name));
  auto plan = engine::build_plan(g, ko);
  if (!plan) return plan.status().with_context(name);
  return plan;
}

Expected<Compiled*> Session::Impl::compiled_for(const std::vector<Shape>& shapes,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<Tensor>* /*override_values*/) {
  std::lock_guard<std::mutex> lock(mu);
  return compiled_locked(shapes, overrides, threads);
}

Expected<Compiled*> Session::Impl::compiled_locked(const std::vector<Shape>& shapes,
                                                   const std::vector<std::string>& overrides, int plan_threads) {
  if (last && last->shapes == shapes && last->overrides == overrides && last->threads == plan_threads) return last;
  for (auto& c : cache) {
    if (c->shapes == shapes && c->overrides == overrides && c->threads == plan_threads) {
      last = c.get();
      return last;
    }
  }
  SplitInfo split;
  LACUNA_ASSIGN_OR_RETURN(auto plan, compile(shapes, overrides, plan_threads, &split));
  Compiled* per_sample = nullptr;
  if (!plan) {
    std::vector<Shape> one = shapes;
    for (Shape& s : one) s[0] = split.part;
    auto compiled_one = compiled_locked(one, overrides, split.parallel ? 1 : plan_threads);
    // The part's plan must produce the part's slice of the batch's outputs.
    bool ok = compiled_one.has_value();
    if (ok) per_sample = *compiled_one;
    const runtime::Plan* p = ok ? per_sample->plan.get() : nullptr;
    ok = ok && p->outputs.size() == split.outputs.size();
    for (size_t i = 0; ok && i < split.outputs.size(); ++i) {
      const auto& part = p->slots[static_cast<size_t>(p->outputs[i])];
      Shape want = split.outputs[i].second;
      want[0] = split.part;
      ok = part.static_shape && part.shape == want && part.dtype == split.outputs[i].first;
    }
    if (!ok) {  // compile the batch after all
      per_sample = nullptr;
      LACUNA_ASSIGN_OR_RETURN(plan, compile(shapes, overrides, plan_threads, nullptr));
    }
  }
  auto c = std::make_unique<Compiled>();
  c->shapes = shapes;
  c->overrides = overrides;
  c->threads = plan_threads;
  c->plan = std::move(plan);
  if (per_sample) {
    c->per_sample = per_sample;
    c->split = std::move(split);
    const std::string part = c->split.part == 1 ? "one sample" : "parts of " + std::to_string(c->split.part);
    log_verbose(1, name + ": batch " + std::to_string(c->split.batch) + " runs " + part +
                       (c->split.parallel ? " per thread, side by side" : " at a time") + " (batch splitting)");
  }
  // Keep a handful of shape signatures; drop the oldest beyond that (never one a kept plan splits
  // into).
  constexpr size_t kMaxPlans = 8;
  if (cache.size() >= kMaxPlans) {
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      bool used = false;
      for (auto& other : cache) used = used || other->per_sample == it->get();
      if (!used && it->get() != c->per_sample) {
        cache.erase(it);
        break;
      }
    }
  }
  cache.push_back(std::move(c));
  last = cache.back().get();
#if defined(__GLIBC__)
  malloc_trim(0);  // hand the freed weights (and the import's temporaries) back to the system
#endif
  return last;
}

Status Session::Impl::run(const std::vector<Tensor>& in, const std::vector<std::string>& overrides,
                          std::vector<Tensor>* outs) {
  if (in.size() != inputs.size() + overrides.size()) {
    return invalid_argument(name + ": expected " + std::to_string(inputs.size()) +
                            " input(s) but got " + std::to_string(in.size()));
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (i < inputs.size()) LACUNA_RETURN_IF_ERROR(check_input(i, in[i]));
    else if (!in[i].defined()) return invalid_argument("override '" + overrides[i - inputs.size()] + "' is missing");
  }
  // The common case, the same shapes as last time, is found without building a signature
  // (which would allocate on every run).
  Compiled* c = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (last && last->overrides == overrides && last->shapes.size() == in.size()) {
      bool same = true;
      for (size_t i = 0; same && i < in.size(); ++i) same = last->shapes[i] == in[i].shape();
      same = same && last->threads == threads;
      if (same) c = last;
    }
  }
  if (!c) {
    std::vector<Shape> shapes;
    shapes.reserve(in.size());
    for (const Tensor& t : in) shapes.push_back(t.shape());
    LACUNA_ASSIGN_OR_RETURN(c, compiled_for(shapes, overrides, nullptr));
  }
  if (c->per_sample) return run_split(c, in, outs);
  LACUNA_ASSIGN_OR_RETURN(std::unique_ptr<runtime::RunState> state, acquire(c));
  auto pool = acquire_pool();
  Status s;
  if (options.profile) {
    runtime::StepTimes t;
    s = runtime::execute(*c->plan, *state, *pool, in, outs, &t);
    add_times(c, t);
  } else {
    s = runtime::execute(*c->plan, *state, *pool, in, outs, nullptr);
  }
  release_pool(std::move(pool));
  release(c, std::move(state));
  return s;
}

// Runs the batch on the part's plan, one part at a time or, when the plan was compiled for it
// (`split.parallel`), one part per thread side by side: inputs are views of each part's rows,
// outputs are copied into the batch's.
Status Session::Impl::run_split(Compiled* c, const std::vector<Tensor>& in, std::vector<Tensor>* outs) {
  Compiled* one = c->per_sample;
  auto pool = acquire_pool();
  outs->resize(c->split.outputs.size());
  Status s;
  for (size_t i = 0; s.is_ok() && i < c->split.outputs.size(); ++i) {
    s = (*outs)[i].reuse_or_create(c->split.outputs[i].first, c->split.outputs[i].second).with_context(name);
  }
  if (!s.is_ok()) {
    release_pool(std::move(pool));
    return s;
  }
  // One run state per thread: the first from the plan's idle states, the others carried in its
  // side_states (so that a later run never finds fewer than the first one made).
  auto primary = acquire(one);
  if (!primary.has_value()) {
    release_pool(std::move(pool));
    return primary.status();
  }
  const int lanes = c->split.parallel ? pool->num_threads() : 1;
  std::vector<std::unique_ptr<runtime::RunState>>& side = (*primary)->side_states;
  while (static_cast<int>(side.size()) + 1 < lanes && s.is_ok()) {
    auto extra = runtime::RunState::create(*one->plan);
    if (extra.has_value()) side.push_back(std::move(*extra));
    else s = extra.status();
  }
  std::atomic<bool> failed{!s.is_ok()};
  std::mutex error_mu;
  // Runs parts first, first + step, ... on `lane`'s pool: the caller's threads when one part runs
  // at a time, or (side by side) the calling worker alone, as kernels inside a parallel region
  // run on their own thread.
  auto run_parts = [&](runtime::RunState& state, runtime::ThreadPool& lane, int64_t first, int64_t step,
                       double time_share) {
    Status st;
    runtime::StepTimes times;
    // The per-part views and results live in the run state's spare vectors, so a run allocates
    // nothing once they have grown.
    std::vector<Tensor>& part_in = state.split_inputs;
    std::vector<Tensor>& part_out = state.split_outputs;
    part_in.resize(in.size());
    const int64_t part = c->split.part;
    for (int64_t b = first; b < c->split.parts() && !failed.load(std::memory_order_relaxed); b += step) {
      for (size_t i = 0; i < in.size(); ++i) part_in[i].reset_to_rows(in[i], b * part, part);
      st = runtime::execute(*one->plan, state, lane, part_in, &part_out, options.profile ? &times : nullptr);
      if (!st.is_ok()) break;
      for (size_t i = 0; i < part_out.size(); ++i) {
        const int64_t bytes = static_cast<int64_t>(part_out[i].nbytes());
        std::memcpy(static_cast<char*>((*outs)[i].raw()) + b * bytes, part_out[i].raw(), static_cast<size_t>(bytes));
      }
    }
    for (Tensor& t : part_in) t.drop_buffer();  // do not keep the caller's inputs alive
    if (options.profile && st.is_ok()) add_times(one, times, time_share);
    if (!st.is_ok()) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!failed.exchange(true)) s = st;
    }
  };
  if (c->split.parallel && s.is_ok()) {
    // A step's share of the batch's wall time is about its time per thread over the threads.
    pool->parallel([&](int tid, int nt) {
      runtime::RunState& state = tid == 0 ? **primary : *side[static_cast<size_t>(tid - 1)];
      run_parts(state, *pool, tid, nt, 1.0 / nt);
    });
  } else if (s.is_ok()) {
    run_parts(**primary, *pool, 0, 1, 1.0);
  }
  release(one, std::move(*primary));
  release_pool(std::move(pool));
  return s;
}

void Session::Impl::add_times(Compiled* c, const runtime::StepTimes& t, double share) {
  std::lock_guard<std::mutex> lock(c->times_mu);
  c->times.seconds.resize(std::max(c->times.seconds.size(), t.seconds.size()), 0.0);
  c->times.calls.resize(std::max(c->times.calls.size(), t.calls.size()), 0);
  for (size_t i = 0; i < t.seconds.size(); ++i) {
    c->times.seconds[i] += t.seconds[i] * share;
    c->times.calls[i] += t.calls[i];
  }
}

std::unique_ptr<runtime::ThreadPool> Session::Impl::acquire_pool() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!idle_pools.empty()) {
      auto p = std::move(idle_pools.back());
      idle_pools.pop_back();
      return p;
    }
  }
  return std::make_unique<runtime::ThreadPool>(threads, pin_cpus);
}

void Session::Impl::release_pool(std::unique_ptr<runtime::ThreadPool> pool) {
  std::lock_guard<std::mutex> lock(mu);
  idle_pools.push_back(std::move(pool));
}

Expected<std::unique_ptr<runtime::RunState>> Session::Impl::acquire(Compiled* c) {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!c->idle.empty()) {
      auto state = std::move(c->idle.back());
      c->idle.pop_back();
      return state;
    }
  }
  return runtime::RunState::create(*c->plan);
}

void Session::Impl::release(Compiled* c, std::unique_ptr<runtime::RunState> state) {
  std::lock_guard<std::mutex> lock(mu);
  c->idle.push_back(std::move(state));
}

Status Session::Impl::run_values(const std::vector<Value>& in, std::vector<Value>* outs) {
  if (in.size() != inputs.size()) {
    return invalid_argument(name + ": expected " + std::to_string(inputs.size()) + " input(s) but got " +
                            std::to_string(in.size()));
  }
  std::vector<Shape> shapes;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].kind != inputs[i].kind) {
      return invalid_argument("input '" + inputs[i].name + "' must be a " +
                              (inputs[i].kind == ValueKind::kTensor ? "tensor" : inputs[i].kind == ValueKind::kSequence ? "sequence" : "optional"));
    }
    if (in[i].kind == ValueKind::kTensor) {
      LACUNA_RETURN_IF_ERROR(check_input(i, in[i].tensor));
      shapes.push_back(in[i].tensor.shape());
    } else {
      shapes.push_back({-2});  // not a tensor: no static shape
    }
  }
  LACUNA_ASSIGN_OR_RETURN(Compiled * c, compiled_for(shapes, {}, nullptr));
  if (c->per_sample) {  // only tensor inputs split
    std::vector<Tensor> tensors, results;
    for (const Value& v : in) tensors.push_back(v.tensor);
    LACUNA_RETURN_IF_ERROR(run_split(c, tensors, &results));
    outs->clear();
    for (Tensor& t : results) {
      Value o;
      o.kind = ValueKind::kTensor;
      o.tensor = std::move(t);
      outs->push_back(std::move(o));
    }
    return Status::ok();
  }
  LACUNA_ASSIGN_OR_RETURN(std::unique_ptr<runtime::RunState> state, acquire(c));
  auto pool = acquire_pool();
  std::vector<const RtValue*> ptrs;
  for (const Value& v : in) ptrs.push_back(&v);
  std::vector<RtValue> raw;
  Status s = runtime::execute_values(*c->plan, *state, *pool, ptrs, &raw);
  if (s.is_ok()) {  // the results live in the run state: copy them out before releasing it
    outs->clear();
    for (RtValue& v : raw) {
      Value o = v;
      if (o.tensor.defined()) o.tensor = o.tensor.clone();
      for (Tensor& t : o.sequence) t = t.clone();
      outs->push_back(std::move(o));
    }
  }
  release_pool(std::move(pool));
  release(c, std::move(state));
  return s;
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

namespace {

Status apply_global_options(const Options& options) {
  if (!options.max_isa.empty()) {
    Isa cap;
    if (!parse_isa(options.max_isa, &cap)) {
      return invalid_argument("unknown ISA '" + options.max_isa +
                              "' (expected scalar, avx2, avx512 or avx512_vnni)");
    }
    set_max_isa(cap);
  }
  if (options.sparse != "auto" && options.sparse != "dense" && options.sparse != "sparse") {
    return invalid_argument("sparse policy must be auto, dense or sparse, not '" + options.sparse + "'");
  }
  if (options.num_threads < 0) return invalid_argument("the thread count must be >= 0");
  return Status::ok();
}

}  // namespace

Expected<std::unique_ptr<Session>> Session::create(ir::Graph model, const Options& options,
                                                   const std::string& name, const std::string& source_path) {
  auto impl = std::make_unique<Impl>();
  impl->source_path = source_path;
  impl->options = options;
  impl->name = name;
  impl->model = std::move(model);
  const int threads = options.num_threads > 0 ? options.num_threads : runtime::available_cpus();
  impl->threads = threads;
  if (options.pin_threads) impl->pin_cpus = runtime::allowed_cpus();
  impl->kernel_options.cpu = &cpu_info();
  impl->kernel_options.num_threads = threads;
  impl->kernel_options.reference_only = options.reference_only;
  impl->kernel_options.sparse_policy = options.sparse;
  impl->kernel_options.compile_subgraph = engine::make_subgraph_compiler(impl->kernel_options);
  for (ir::ValueId v : impl->model.inputs) {
    impl->inputs.push_back(io_info(impl->model, v));
    auto declared = impl->model.declared_dims.find(v);
    impl->declared_dims.push_back(declared == impl->model.declared_dims.end() ? std::string()
                                                                              : ir::dims_to_string(declared->second));
  }
  for (ir::ValueId v : impl->model.outputs) impl->outputs.push_back(io_info(impl->model, v));
  for (const auto& [n, shape] : options.input_shapes) {
    bool found = false;
    for (const auto& io : impl->inputs) found = found || io.name == n;
    if (!found) return invalid_argument("--input-shapes names '" + n + "', which is not a model input");
  }
  auto session = std::unique_ptr<Session>(new Session(std::move(impl)));
  // Fully static inputs: compile now, so model errors surface at load time.
  std::vector<Shape> static_shapes;
  bool all_static = true;
  for (const IoInfo& io : session->impl_->inputs) {
    Shape s;
    for (int64_t d : io.dims) s.push_back(d);
    if (io.kind != ValueKind::kTensor || io.dims.size() != io.dim_params.size() ||
        std::any_of(io.dims.begin(), io.dims.end(), [](int64_t d) { return d < 0; }) ||
        (io.dims.empty() && session->impl_->declared_dims[static_shapes.size()].empty())) {
      all_static = false;
      break;
    }
    auto it = options.input_shapes.find(io.name);
    static_shapes.push_back(it != options.input_shapes.end() ? it->second : s);
  }
  if (all_static) {
    LACUNA_RETURN_IF_ERROR(session->prepare(static_shapes));
    return session;
  }
  if (!options.input_shapes.empty()) {
    std::vector<Shape> shapes;
    for (const auto& io : session->impl_->inputs) {
      auto it = options.input_shapes.find(io.name);
      if (it == options.input_shapes.end()) {
        shapes.clear();
        break;  // not every input fixed: compile on the first run
      }
      shapes.push_back(it->second);
    }
    if (!shapes.empty()) LACUNA_RETURN_IF_ERROR(session->prepare(shapes));
  }
  return session;
}

Expected<std::unique_ptr<Session>> Session::load_from_bytes(const std::string& bytes,
                                                            const Options& options,
                                                            const std::string& name) {
  LACUNA_RETURN_IF_ERROR(apply_global_options(options));
  LACUNA_ASSIGN_OR_RETURN(ir::Graph g, onnx_io::import_model_bytes(bytes, ".", name));
  return create(std::move(g), options, name);
}

Expected<std::unique_ptr<Session>> Session::load(const std::string& path, const Options& options) {
  LACUNA_RETURN_IF_ERROR(apply_global_options(options));
  LACUNA_ASSIGN_OR_RETURN(ir::Graph g, onnx_io::import_model(path));
  return create(std::move(g), options, path, /*source_path=*/path);
}

const std::vector<IoInfo>& Session::inputs() const { return impl_->inputs; }
const std::vector<IoInfo>& Session::outputs() const { return impl_->outputs; }
const Options& Session::options() const { return impl_->options; }

Status Session::prepare(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != impl_->inputs.size()) {
    return invalid_argument("prepare: expected " + std::to_string(impl_->inputs.size()) + " shapes");
  }
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    LACUNA_ASSIGN_OR_RETURN(int64_t n, checked_numel(input_shapes[i]));
    (void)n;
    Tensor probe = Tensor::wrap(impl_->inputs[i].dtype, input_shapes[i], nullptr);
    LACUNA_RETURN_IF_ERROR(impl_->check_input(i, probe));
  }
  auto c = impl_->compiled_for(input_shapes, {}, nullptr);
  return c ? Status::ok() : c.status();
}

Status Session::run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs) {
  return impl_->run(inputs, {}, outputs);
}

Expected<std::vector<Tensor>> Session::run(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outs;
  LACUNA_RETURN_IF_ERROR(impl_->run(inputs, {}, &outs));
  return outs;
}

Expected<std::map<std::string, Tensor>> Session::run_named(const std::map<std::string, Tensor>& named) {
  std::vector<Tensor> in(impl_->inputs.size());
  std::vector<std::string> overrides;
  std::vector<Tensor> override_values;
  for (const auto& [n, t] : named) {
    bool found = false;
    for (size_t i = 0; i < impl_->inputs.size(); ++i) {
      if (impl_->inputs[i].name == n) {
        in[i] = t;
        found = true;
      }
    }
    if (found) continue;
    DType expected = DType::kUndefined;
    {
      // Under the lock: compiling may swap the model for its weightless copy meanwhile.
      std::lock_guard<std::mutex> lock(impl_->mu);
      const ir::Graph& m = impl_->model;
      const ir::ValueId v = m.find(n);
      if (v != ir::kNoValue && std::find(m.overridable.begin(), m.overridable.end(), v) != m.overridable.end()) {
        expected = m.value(v).constant.dtype();
      }
    }
    if (expected != DType::kUndefined) {
      if (t.dtype() != expected) {
        return invalid_argument("input '" + n + "' has dtype " + std::string(dtype_name(t.dtype())) +
                                " but the model expects " + std::string(dtype_name(expected)));
      }
      overrides.push_back(n);
      override_values.push_back(t);
      continue;
    }
    return invalid_argument("'" + n + "' is not an input of " + impl_->name);
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!in[i].defined()) return invalid_argument("input '" + impl_->inputs[i].name + "' is missing");
  }
  in.insert(in.end(), override_values.begin(), override_values.end());
  std::vector<Tensor> outs;
  LACUNA_RETURN_IF_ERROR(impl_->run(in, overrides, &outs));
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < outs.size(); ++i) result[impl_->outputs[i].name] = std::move(outs[i]);
  return result;
}

Expected<std::map<std::string, Value>> Session::run_values(const std::map<std::string, Value>& named) {
  std::vector<Value> in(impl_->inputs.size());
  std::vector<bool> given(in.size(), false);
  for (const auto& [n, v] : named) {
    bool found = false;
    for (size_t i = 0; i < impl_->inputs.size(); ++i) {
      if (impl_->inputs[i].name == n) {
        in[i] = v;
        given[i] = found = true;
      }
    }
    if (!found) return invalid_argument("'" + n + "' is not an input of " + impl_->name);
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!given[i]) return invalid_argument("input '" + impl_->inputs[i].name + "' is missing");
  }
  std::vector<Value> outs;
  LACUNA_RETURN_IF_ERROR(impl_->run_values(in, &outs));
  std::map<std::string, Value> result;
  for (size_t i = 0; i < outs.size(); ++i) result[impl_->outputs[i].name] = std::move(outs[i]);
  return result;
}

std::vector<NodeProfile> Session::profile() const {
  std::vector<NodeProfile> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  const Compiled* c = impl_->last;
  if (!c) return out;
  // A split batch reports its part's plan's steps as run once per part and request.
  const Compiled* runs = c->per_sample ? c->per_sample : c;
  const int64_t times = c->per_sample ? c->split.parts() : 1;
  const runtime::Plan& plan = *runs->plan;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const runtime::Step& st = plan.steps[s];
    NodeProfile p;
    p.name = st.name;
    p.op_type = st.op_type;
    p.impl = st.impl;
    p.decision = st.decision;
    p.flops = st.flops * times;
    if (s < runs->times.seconds.size()) {
      p.seconds = runs->times.seconds[s];
      p.calls = runs->times.calls[s] / times;
    }
    if (!st.out.empty() && st.out[0] >= 0) {
      p.output_shape = plan.slots[static_cast<size_t>(st.out[0])].shape;
      if (times > 1 && !p.output_shape.empty() && p.output_shape[0] == c->split.part) p.output_shape[0] = c->split.batch;
    }
    out.push_back(std::move(p));
  }
  return out;
}

size_t Session::weight_bytes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last ? impl_->last->running().constant_bytes() : 0;
}

size_t Session::activation_bytes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->last) return 0;
  const Compiled* c = impl_->last;
  const runtime::Plan& p = c->running();
  // Samples side by side hold a run state each.
  return (p.arena_bytes + p.scratch_bytes) * static_cast<size_t>(c->split.parallel ? c->threads : 1);
}

}  // namespace lacuna
