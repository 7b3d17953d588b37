// ONNX ModelProto -> IR graph.
#pragma once

#include <string>

#include "ir/graph.h"
#include "lacuna/status.h"

namespace lacuna::onnx_io {

struct ModelInfo {
  int64_t ir_version = 0;
  std::string producer;
  std::string producer_version;
  std::string path;
};

// Reads and validates an ONNX model. Errors name the file and the offending node or tensor.
Expected<ir::Graph> import_model(const std::string& path, ModelInfo* info = nullptr);
// `base_dir` resolves external-data files; `what` names the model in messages.
Expected<ir::Graph> import_model_bytes(const std::string& bytes, const std::string& base_dir,
                                       const std::string& what, ModelInfo* info = nullptr);

}  // namespace lacuna::onnx_io
