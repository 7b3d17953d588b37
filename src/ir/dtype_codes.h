// ONNX's TensorProto.DataType numbering, which operators use in attributes (Cast's `to`,
// EyeLike's `dtype`, ...). A pure table: no protobuf needed.
#pragma once

#include "lacuna/status.h"
#include "lacuna/tensor.h"

namespace lacuna::ir {

Expected<DType> dtype_from_code(int64_t code);
int dtype_code(DType t);

}  // namespace lacuna::ir
