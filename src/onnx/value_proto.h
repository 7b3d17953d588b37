// Reads the ONNX backend test-data files of non-tensor values: SequenceProto and OptionalProto.
#pragma once

#include <string>

#include "core/value.h"
#include "lacuna/status.h"

namespace lacuna::onnx_io {

// Reads a serialized value of the given kind: a TensorProto, a SequenceProto of tensors, or an
// OptionalProto holding a tensor or a sequence of tensors (or nothing).
Expected<RtValue> read_value_pb(const std::string& path, ValueKind kind, std::string* name = nullptr);

}  // namespace lacuna::onnx_io
