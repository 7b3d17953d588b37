// Runs a model against ONNX backend-format test data (test_data_set_N/input_i.pb, output_i.pb).
#pragma once

#include <string>
#include <vector>

#include "common.h"

namespace lacuna::cli {

struct OutputCheck {
  std::string name;
  Comparison cmp;
};

struct DataSetCheck {
  std::string dir;
  std::vector<OutputCheck> outputs;
  bool pass = true;
};

struct ModelCheck {
  enum class Verdict { kPass, kFail, kUnsupported, kError };
  Verdict verdict = Verdict::kPass;
  std::string message;  // for kUnsupported / kError / kFail summaries
  std::vector<DataSetCheck> sets;
};

// Loads `model`, and runs every test_data_set_* folder under `test_dir`.
ModelCheck check_model(const std::string& model, const std::string& test_dir,
                       const Options& options, double rtol, double atol);

// The test_data_set_* folders under `dir`, sorted by their number.
std::vector<std::string> test_data_sets(const std::string& dir);

}  // namespace lacuna::cli
