// The interface between the executor and an operator implementation. An OpKernel is created
// once per node; it infers output types and shapes, prepares (packs constant weights, builds
// plans) once shapes are known, and runs any number of times.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "core/value.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"
#include "runtime/subgraph.h"
#include "runtime/thread_pool.h"

namespace lacuna::runtime {



// What is known about one input while inferring or preparing: always the dtype and kind; the
// shape when it is static (always at run time); the value when it is constant (always at run
// time).
struct InputInfo {
  bool present = false;  // false for an omitted optional input
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  const Shape* shape = nullptr;
  const Tensor* value = nullptr;
  const RtValue* rt = nullptr;  // the whole run-time value (sequences), when known
};

struct OutputInfo {
  bool set = false;
  bool wanted = true;  // false for an omitted optional output
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  Shape shape;
  bool shape_known = true;  // false: only run() can tell (data-dependent shapes)
};

class InferContext {
 public:
  std::vector<InputInfo> inputs;
  std::vector<OutputInfo> outputs;
  std::string node;  // "node 'x' (Op)" for messages

  int num_inputs() const { return static_cast<int>(inputs.size()); }
  int num_outputs() const { return static_cast<int>(outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs[i].present; }
  DType dtype(int i) const { return inputs[i].dtype; }
  const Shape& shape(int i) const { return *inputs[i].shape; }
  int rank(int i) const { return static_cast<int>(inputs[i].shape->size()); }
  // The constant value of input i, or nullptr while it is only known at run time.
  const Tensor* value(int i) const { return has_input(i) ? inputs[i].value : nullptr; }

  void set_output(int i, DType dtype, Shape shape) {
    auto& o = slot(i);
    o.set = true;
    o.kind = ValueKind::kTensor;
    o.dtype = dtype;
    o.shape = std::move(shape);
    o.shape_known = true;
  }
  // Declares an output whose shape only run() can compute (run() must allocate it).
  void set_output_deferred(int i, DType dtype) {
    auto& o = slot(i);
    o.set = true;
    o.kind = ValueKind::kTensor;
    o.dtype = dtype;
    o.shape_known = false;
  }
  void set_output_kind(int i, ValueKind kind, DType dtype) {
    auto& o = slot(i);
    o.set = true;
    o.kind = kind;
    o.dtype = dtype;
    o.shape_known = kind == ValueKind::kTensor;
  }

  // Output i's record; a node may list fewer outputs than its op has (trailing optional ones
  // omitted), so what a kernel declares past them lands in unwanted records.
  OutputInfo& slot(int i) {
    if (static_cast<size_t>(i) >= outputs.size()) {
      OutputInfo unwanted;
      unwanted.wanted = false;
      outputs.resize(static_cast<size_t>(i) + 1, unwanted);
    }
    return outputs[static_cast<size_t>(i)];
  }

  // Error helpers that name the node.
  Status error(const std::string& msg) const { return invalid_model(node + ": " + msg); }
  Status bad_input(const std::string& msg) const { return invalid_argument(node + ": " + msg); }
  Status unsupported_here(const std::string& msg) const { return unsupported(node + ": " + msg); }
  // Signals that shape inference needs the value of input i, which is not known yet.
  Status needs_value(int i) const {
    return Status(ErrorCode::kDynamic, node + ": output shape depends on the value of input " +
                                           std::to_string(i));
  }
  // Checks that input i is present and a tensor of one of the listed dtypes (any if empty).
  Status expect_input(int i, std::initializer_list<DType> dtypes = {}) const;
};

// Settings that kernels may consult while preparing.
struct KernelOptions {
  const lacuna::CpuInfo* cpu = nullptr;
  int num_threads = 1;
  bool reference_only = false;  // only the plain reference kernels may be chosen
  // Sparse kernel policy: "auto" (cost model), "dense" (never sparse), "sparse" (whenever the
  // weight has any zeros).
  std::string sparse_policy = "auto";
  // Compiles If/Loop/Scan bodies (set by the engine; empty where subgraphs cannot run).
  SubgraphCompiler compile_subgraph;
  // Every step infers its shapes at run time and allocates its own outputs (used for bodies,
  // whose input shapes may change between iterations).
  bool force_dynamic = false;
};

class PrepareContext : public InferContext {
 public:
  const KernelOptions* options = nullptr;
  // Bytes of per-run scratch memory the kernel needs (the planner places it in the arena).
  size_t scratch_bytes = 0;
  // Set to true for input i whose constant value the kernel has copied (packed), so the engine
  // may free the original when nothing else reads it.
  std::vector<bool> constant_consumed;
  // A one-line summary of the implementation choice (shown by `lacuna analyze`).
  std::string decision;
  // Arithmetic operations per run (2 per multiply-accumulate), for profiles.
  double flops = 0;
};

class RunContext {
 public:
  RtValue* const* in = nullptr;  // one per node input; nullptr when omitted
  RtValue* const* out = nullptr; // one per node output; nullptr when omitted
  int n_in = 0;
  int n_out = 0;
  ThreadPool* pool = nullptr;
  void* scratch = nullptr;
  std::string_view node;

  int num_inputs() const { return n_in; }
  int num_outputs() const { return n_out; }
  bool has_input(int i) const { return i < n_in && in[i] != nullptr; }
  bool has_output(int i) const { return i < n_out && out[i] != nullptr; }
  const Tensor& input(int i) const { return in[i]->tensor; }
  const RtValue& input_value(int i) const { return *in[i]; }
  Tensor& output(int i) const { return out[i]->tensor; }
  RtValue& output_value(int i) const { return *out[i]; }
  // For deferred-shape outputs: allocates output i (errors on impossible sizes).
  Status allocate_output(int i, DType dtype, Shape shape) const;
  Status error(const std::string& msg) const {
    return invalid_argument(std::string(node) + ": " + msg);
  }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // Sets the dtype and shape of every wanted output from what is known about the inputs.
  virtual Status infer(InferContext& ctx) = 0;
  // Called once input shapes (and constant values) are known, before the first run. It may
  // reject the configuration with kUnsupported so that the next candidate implementation is
  // tried.
  virtual Status prepare(PrepareContext& /*ctx*/) { return Status::ok(); }
  virtual Status run(RunContext& ctx) = 0;
  // False for ops whose result must not be computed at compile time (random generators).
  virtual bool foldable() const { return true; }
  // False when only input i's shape matters (Shape, Size): such nodes fold as soon as the shape
  // is known, even if the values are not.
  virtual bool reads_input_data(int /*i*/) const { return true; }
  // Output i may share input j's buffer (the data is unchanged: Reshape, Squeeze, ...).
  virtual int output_alias(int /*i*/) const { return -1; }
  // Output i may overwrite input j in place when nothing else reads input j afterwards.
  virtual int output_inplace(int /*i*/) const { return -1; }
};

}  // namespace lacuna::runtime
