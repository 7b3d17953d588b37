// The public API: load an ONNX model into a Session and run it.
//
//   auto session = lacuna::Session::load("model.onnx", options);
//   if (!session) { std::cerr << session.status().to_string(); ... }
//   auto outputs = (*session)->run({input_tensor});
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lacuna/status.h"
#include "lacuna/tensor.h"
#include "lacuna/value.h"

namespace lacuna {

namespace ir {
class Graph;
}

struct Options {
  int num_threads = 0;     // 0: every CPU this process may use
  bool pin_threads = false;  // pin worker threads to cores
  // Fixed shapes for inputs with symbolic dims (by input name). Inputs not listed take their
  // shapes from the tensors passed to run().
  std::map<std::string, Shape> input_shapes;
  std::vector<std::string> disabled_passes;  // graph-optimizer passes to skip, by name
  bool optimize = true;        // run the graph optimizer at all
  bool reference_only = false; // use only the plain reference kernels (the test oracle)
  std::string sparse = "auto"; // sparse kernels: auto (cost model) | dense | sparse
  std::string max_isa;         // cap the ISA: scalar | avx2 | avx512 | avx512_vnni ("" = all)
  bool profile = false;        // time every step (see Session::profile)
  // Batch splitting: "auto" runs a batch of independent samples one sample at a time when no op
  // mixes samples and no huge fully-connected weight wants the batch; "off" never does.
  std::string batch_split = "auto";
};

struct IoInfo {
  std::string name;
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;  // the element dtype for sequences and optionals
  std::vector<int64_t> dims;            // -1 where symbolic or unknown
  std::vector<std::string> dim_params;  // symbolic names ("" where fixed)
};

// Per-node timing and the implementation each node runs with.
struct NodeProfile {
  std::string name;
  std::string op_type;
  std::string impl;
  std::string decision;  // why this implementation
  double flops = 0;      // per run
  double seconds = 0;    // total over profiled runs
  int64_t calls = 0;
  Shape output_shape;
};

class Session {
 public:
  static Expected<std::unique_ptr<Session>> load(const std::string& path,
                                                 const Options& options = {});
  static Expected<std::unique_ptr<Session>> load_from_bytes(const std::string& bytes,
                                                            const Options& options = {},
                                                            const std::string& name = "<memory>");
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::vector<IoInfo>& inputs() const;
  const std::vector<IoInfo>& outputs() const;
  const Options& options() const;

  // Inputs in the order of inputs(). Safe to call from several threads at once.
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs);
  // Inputs by name; also accepts overrides of initializers that the model lists as inputs.
  Expected<std::map<std::string, Tensor>> run_named(const std::map<std::string, Tensor>& inputs);
  // Reuses the tensors in *outputs when their shapes match (no allocation in steady state).
  Status run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs);
  // Inputs and outputs of any kind (sequences, optionals), by name.
  Expected<std::map<std::string, Value>> run_values(const std::map<std::string, Value>& inputs);

  // Compiles for the given input shapes now instead of on the first run().
  Status prepare(const std::vector<Shape>& input_shapes);
  // The compiled plan's per-node profile for the last-used input shapes (timings only when
  // Options::profile is set).
  std::vector<NodeProfile> profile() const;
  // Bytes held by constants (weights, packed or not) and by activations in the compiled plan.
  size_t weight_bytes() const;
  size_t activation_bytes() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  // `source_path`: the file the model came from (its weights can be re-read from there).
  static Expected<std::unique_ptr<Session>> create(ir::Graph model, const Options& options,
                                                   const std::string& name, const std::string& source_path = "");
  std::unique_ptr<Impl> impl_;
};

}  // namespace lacuna
