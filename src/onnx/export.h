// IR graph -> ONNX ModelProto: Lacuna's ONNX writer (used by the synthetic-model generator and
// the sparsify tools).
#pragma once

#include <string>

#include "ir/graph.h"
#include "lacuna/status.h"

namespace lacuna::onnx_io {

struct ExportOptions {
  std::string producer = "lacuna";
  int64_t ir_version = 8;
  // Tensors at least this large go to "<model>.data" next to the model (0 = never).
  int64_t external_data_threshold = 0;
};

Status export_model(const ir::Graph& g, const std::string& path, const ExportOptions& options = {});
Expected<std::string> serialize_model(const ir::Graph& g, const ExportOptions& options = {});

}  // namespace lacuna::onnx_io
