// SequenceProto / OptionalProto decoding for test data.
#include "onnx/value_proto.h"

#include <onnx/onnx_pb.h>  // defines ONNX_API, which onnx-data.pb.h needs
#include <onnx/onnx-data.pb.h>

#include "core/file_util.h"
#include "onnx/tensor_proto.h"

namespace lacuna::onnx_io {

namespace {

Status sequence_from_proto(const onnx::SequenceProto& p, const std::string& what, RtValue* v) {
  if (p.elem_type() != onnx::SequenceProto::TENSOR &&
      !(p.elem_type() == onnx::SequenceProto::UNDEFINED && p.tensor_values_size() == 0)) {
    return unsupported(what + ": only sequences of tensors are supported");
  }
  v->kind = ValueKind::kSequence;
  for (const auto& tp : p.tensor_values()) {
    LACUNA_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(tp, "", what));
    if (v->elem_dtype == DType::kUndefined) v->elem_dtype = t.dtype();
    if (t.dtype() != v->elem_dtype) return invalid_argument(what + ": sequence items differ in dtype");
    v->sequence.push_back(std::move(t));
  }
  return Status::ok();
}

}  // namespace

Expected<RtValue> read_value_pb(const std::string& path, ValueKind kind, std::string* name) {
  RtValue v;
  if (kind == ValueKind::kTensor) {
    LACUNA_ASSIGN_OR_RETURN(v.tensor, read_tensor_pb(path, name));
    return v;
  }
  LACUNA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  if (kind == ValueKind::kSequence) {
    onnx::SequenceProto p;
    if (!p.ParseFromString(bytes)) return invalid_argument("'" + path + "' is not a valid ONNX SequenceProto file");
    if (name) *name = p.name();
    LACUNA_RETURN_IF_ERROR(sequence_from_proto(p, path, &v));
    return v;
  }
  onnx::OptionalProto p;
  if (!p.ParseFromString(bytes)) return invalid_argument("'" + path + "' is not a valid ONNX OptionalProto file");
  if (name) *name = p.name();
  v.kind = ValueKind::kOptional;
  v.present = true;
  if (p.has_tensor_value()) {
    LACUNA_ASSIGN_OR_RETURN(v.tensor, tensor_from_proto(p.tensor_value(), "", path));
    v.elem_dtype = v.tensor.dtype();
  } else if (p.has_sequence_value()) {
    RtValue seq;
    LACUNA_RETURN_IF_ERROR(sequence_from_proto(p.sequence_value(), path, &seq));
    v.optional_of_sequence = true;
    v.sequence = std::move(seq.sequence);
    v.elem_dtype = seq.elem_dtype;
  } else if (p.elem_type() == onnx::OptionalProto::TENSOR || p.elem_type() == onnx::OptionalProto::SEQUENCE ||
             p.elem_type() == onnx::OptionalProto::UNDEFINED) {
    v.present = false;
    v.optional_of_sequence = p.elem_type() == onnx::OptionalProto::SEQUENCE;
  } else {
    return unsupported(path + ": only optionals of tensors or sequences are supported");
  }
  return v;
}

}  // namespace lacuna::onnx_io
