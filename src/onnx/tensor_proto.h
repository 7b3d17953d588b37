// Conversion between ONNX TensorProto messages and Lacuna tensors.
#pragma once

#include <string>

#include "lacuna/status.h"
#include "lacuna/tensor.h"
#include "lacuna/value.h"

namespace onnx {
class TensorProto;
class SparseTensorProto;
}  // namespace onnx

namespace lacuna::onnx_io {

// ONNX TensorProto.DataType <-> DType. Complex types are unsupported.
Expected<DType> dtype_from_onnx(int onnx_type);
int dtype_to_onnx(DType t);

// Decodes a tensor (typed fields, raw_data or external data read relative to `base_dir`).
// `what` names the tensor in error messages.
Expected<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir,
                                   const std::string& what);
Expected<Tensor> tensor_from_sparse_proto(const onnx::SparseTensorProto& p,
                                          const std::string& base_dir, const std::string& what);
void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* p);

// Reads a serialized TensorProto file (the ONNX backend test-data format).
Expected<Tensor> read_tensor_pb(const std::string& path, std::string* name = nullptr);
Status write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path);
// Reads test data of any kind: a TensorProto, or (when `kind` says so) a SequenceProto or an
// OptionalProto.
Expected<Value> read_value_pb(const std::string& path, ValueKind kind, std::string* name = nullptr);

}  // namespace lacuna::onnx_io
