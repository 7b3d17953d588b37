// Helpers shared by the CLI commands: option parsing, tensor files, comparisons.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lacuna/session.h"

namespace CLI {
class App;
}

namespace lacuna::cli {

// Options every engine-running command accepts (threads, ISA cap, passes, sparse policy, ...).
struct EngineFlags {
  int threads = 0;
  bool pin = false;
  bool reference = false;
  std::string max_isa;
  std::string sparse = "auto";
  std::string batch_split = "auto";
  std::vector<std::string> disable_pass;
  std::string input_shapes;
  void add_to(CLI::App* app, bool with_threads = true);
  // Fills Options; errors on a malformed --input-shapes.
  Status to_options(Options* o) const;
};

// "name=1x3x224x224,other=1x128" or "[1,3,224,224],[1,128]" (positional: needs `inputs`).
Expected<std::map<std::string, Shape>> parse_input_shapes(const std::string& text,
                                                          const std::vector<IoInfo>& inputs);
Expected<std::map<std::string, Shape>> parse_input_shapes_named(const std::string& text);

// Reads .npy or an ONNX TensorProto (.pb) file.
Expected<Tensor> read_tensor_file(const std::string& path, std::string* name = nullptr);

// Random inputs for benchmarks: floats in [-1, 1], ints in [0, high) where high is 2 for
// masks/bools and 1000 otherwise, all shapes resolved (symbolic dims must be in `shapes`, or
// default to `default_dim`).
Expected<std::vector<Tensor>> random_inputs(const std::vector<IoInfo>& inputs,
                                            const std::map<std::string, Shape>& shapes,
                                            int64_t default_dim, uint64_t seed);

struct Comparison {
  bool pass = true;
  double max_abs = 0;
  double max_rel = 0;
  int64_t mismatches = 0;
  std::string note;  // dtype/shape mismatches
};
// numpy.allclose semantics: |a - b| <= atol + rtol * |b| (NaNs equal each other).
Comparison compare_tensors(const Tensor& actual, const Tensor& expected, double rtol, double atol);
// Tensors, sequences (item by item) and optionals (presence, then payload).
Comparison compare_values(const Value& actual, const Value& expected, double rtol, double atol);

std::string format_shape(const Shape& s);
std::string sanitize_filename(const std::string& name);

}  // namespace lacuna::cli
