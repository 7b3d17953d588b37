// TensorProto decoding: typed repeated fields, raw little-endian bytes and external data files.
#include "onnx/tensor_proto.h"

#include <onnx/onnx-data_pb.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/dispatch.h"
#include "core/file_util.h"
#include "ir/dtype_codes.h"

namespace lacuna::onnx_io {

namespace {

using P = onnx::TensorProto;

// Copies a repeated field of type S into a buffer of storage type T.
template <class T, class Field>
Status copy_field(const Field& f, Tensor* t, const std::string& what) {
  if (static_cast<int64_t>(f.size()) != t->numel()) {
    return invalid_model("tensor '" + what + "' has " + std::to_string(f.size()) +
                         " values but its shape " + shape_to_string(t->shape()) + " needs " +
                         std::to_string(t->numel()));
  }
  T* d = t->data<T>();
  for (int i = 0; i < f.size(); ++i) {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      d[i].bits = static_cast<uint16_t>(f.Get(i));
    } else {
      d[i] = static_cast<T>(f.Get(i));
    }
  }
  return Status::ok();
}

Status read_external(const P& p, const std::string& base_dir, const std::string& what,
                     Tensor* t) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : p.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      return invalid_model("tensor '" + what + "': bad external_data entry '" + kv.key() + "'");
    }
  }
  if (location.empty()) return invalid_model("tensor '" + what + "': external data has no location");
  if (location[0] == '/' || location.find("..") != std::string::npos) {
    return invalid_model("tensor '" + what + "': external data location '" + location +
                         "' must be a relative path inside the model's folder");
  }
  const int64_t want = static_cast<int64_t>(t->nbytes());
  if (length >= 0 && length != want) {
    return invalid_model("tensor '" + what + "': external data length " + std::to_string(length) +
                         " does not match its shape (" + std::to_string(want) + " bytes)");
  }
  if (offset < 0) return invalid_model("tensor '" + what + "': negative external data offset");
  const std::string path = base_dir.empty() ? location : base_dir + "/" + location;
  std::ifstream f(path, std::ios::binary);
  if (!f) return io_error("tensor '" + what + "': cannot open external data file '" + path + "'");
  f.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(f.tellg());
  if (offset + want > size) {
    return invalid_model("tensor '" + what + "': external data file '" + path + "' is too short");
  }
  f.seekg(offset);
  f.read(static_cast<char*>(t->raw()), want);
  if (!f) return io_error("tensor '" + what + "': failed reading '" + path + "'");
  return Status::ok();
}

}  // namespace

Expected<DType> dtype_from_onnx(int onnx_type) { return ir::dtype_from_code(onnx_type); }
int dtype_to_onnx(DType t) { return ir::dtype_code(t); }

Expected<Tensor> tensor_from_proto(const P& p, const std::string& base_dir,
                                   const std::string& what) {
  LACUNA_ASSIGN_OR_RETURN(DType dtype, dtype_from_onnx(p.data_type()));
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape) {
    if (d < 0) return invalid_model("tensor '" + what + "' has a negative dimension");
  }
  // Check the payload size against the shape before allocating, so a corrupt header cannot
  // make us allocate more than the file could hold.
  auto count = checked_numel(shape);
  if (!count) return count.status().with_context("tensor '" + what + "'");
  if (p.data_location() != P::EXTERNAL) {
    int64_t have = -1;
    if (p.has_raw_data()) {
      have = static_cast<int64_t>(p.raw_data().size() / std::max<size_t>(dtype_size(dtype), 1));
      if (static_cast<int64_t>(p.raw_data().size()) != *count * static_cast<int64_t>(dtype_size(dtype))) have = -2;
    } else {
      switch (dtype) {
        case DType::kFloat32: have = p.float_data_size(); break;
        case DType::kFloat64: have = p.double_data_size(); break;
        case DType::kInt64: have = p.int64_data_size(); break;
        case DType::kUint32: case DType::kUint64: have = p.uint64_data_size(); break;
        case DType::kString: have = p.string_data_size(); break;
        default: have = p.int32_data_size(); break;
      }
    }
    if (have != *count) {
      if (have == -2) {
        return invalid_model("tensor '" + what + "' has " + std::to_string(p.raw_data().size()) +
                             " bytes of raw data but its shape " + shape_to_string(shape) + " of " +
                             std::string(dtype_name(dtype)) + " needs " +
                             std::to_string(*count * static_cast<int64_t>(dtype_size(dtype))));
      }
      return invalid_model("tensor '" + what + "' has " + std::to_string(have) + " values but its shape " +
                           shape_to_string(shape) + " needs " + std::to_string(*count));
    }
  }
  auto created = Tensor::create(dtype, shape);
  if (!created) return created.status().with_context("tensor '" + what + "'");
  Tensor t = std::move(created).value();

  if (p.data_location() == P::EXTERNAL) {
    if (dtype == DType::kString) return invalid_model("tensor '" + what + "': external string data");
    LACUNA_RETURN_IF_ERROR(read_external(p, base_dir, what, &t));
    return t;
  }
  if (p.has_raw_data()) {
    if (dtype == DType::kString) return invalid_model("tensor '" + what + "': raw string data");
    const std::string& raw = p.raw_data();
    if (raw.size() != t.nbytes()) {
      return invalid_model("tensor '" + what + "' has " + std::to_string(raw.size()) +
                           " bytes of raw data but its shape " + shape_to_string(shape) +
                           " of " + std::string(dtype_name(dtype)) + " needs " +
                           std::to_string(t.nbytes()));
    }
    if (!raw.empty()) std::memcpy(t.raw(), raw.data(), raw.size());
    if (dtype == DType::kBool) {  // normalise any non-zero byte to true
      auto* b = static_cast<uint8_t*>(t.raw());
      for (int64_t i = 0; i < t.numel(); ++i) b[i] = b[i] != 0;
    }
    return t;
  }
  Status s;
  switch (dtype) {
    case DType::kFloat32: s = copy_field<float>(p.float_data(), &t, what); break;
    case DType::kFloat64: s = copy_field<double>(p.double_data(), &t, what); break;
    case DType::kInt64: s = copy_field<int64_t>(p.int64_data(), &t, what); break;
    case DType::kUint32: s = copy_field<uint32_t>(p.uint64_data(), &t, what); break;
    case DType::kUint64: s = copy_field<uint64_t>(p.uint64_data(), &t, what); break;
    case DType::kInt32: s = copy_field<int32_t>(p.int32_data(), &t, what); break;
    case DType::kInt16: s = copy_field<int16_t>(p.int32_data(), &t, what); break;
    case DType::kUint16: s = copy_field<uint16_t>(p.int32_data(), &t, what); break;
    case DType::kInt8: s = copy_field<int8_t>(p.int32_data(), &t, what); break;
    case DType::kUint8: s = copy_field<uint8_t>(p.int32_data(), &t, what); break;
    case DType::kBool: s = copy_field<bool>(p.int32_data(), &t, what); break;
    case DType::kFloat16: s = copy_field<Half>(p.int32_data(), &t, what); break;
    case DType::kBFloat16: s = copy_field<BFloat16>(p.int32_data(), &t, what); break;
    case DType::kString: {
      if (p.string_data_size() != t.numel()) {
        return invalid_model("tensor '" + what + "' has " + std::to_string(p.string_data_size()) +
                             " strings but its shape needs " + std::to_string(t.numel()));
      }
      for (int i = 0; i < p.string_data_size(); ++i) t.data<std::string>()[i] = p.string_data(i);
      break;
    }
    case DType::kUndefined: return invalid_model("tensor '" + what + "' has no data type");
  }
  LACUNA_RETURN_IF_ERROR(s);
  return t;
}

Expected<Tensor> tensor_from_sparse_proto(const onnx::SparseTensorProto& p,
                                          const std::string& base_dir, const std::string& what) {
  LACUNA_ASSIGN_OR_RETURN(Tensor values, tensor_from_proto(p.values(), base_dir, what + ".values"));
  LACUNA_ASSIGN_OR_RETURN(Tensor indices,
                          tensor_from_proto(p.indices(), base_dir, what + ".indices"));
  Shape shape(p.dims().begin(), p.dims().end());
  auto created = Tensor::create(values.dtype(), shape);
  if (!created) return created.status().with_context("sparse tensor '" + what + "'");
  Tensor dense = std::move(created).value();
  const int64_t nnz = values.numel();
  const auto idx = indices.to_int64_vector();
  const int rank = static_cast<int>(shape.size());
  const size_t esize = dtype_size(values.dtype());
  auto* dst = static_cast<uint8_t*>(dense.raw());
  const auto* src = static_cast<const uint8_t*>(values.raw());
  const bool linear = indices.rank() == 1;
  if ((linear && indices.numel() != nnz) ||
      (!linear && (indices.rank() != 2 || indices.dim(0) != nnz || indices.dim(1) != rank))) {
    return invalid_model("sparse tensor '" + what + "': indices shape " +
                         shape_to_string(indices.shape()) + " does not match " +
                         std::to_string(nnz) + " values");
  }
  for (int64_t i = 0; i < nnz; ++i) {
    int64_t off = 0;
    if (linear) {
      off = idx[static_cast<size_t>(i)];
    } else {
      for (int d = 0; d < rank; ++d) {
        const int64_t c = idx[static_cast<size_t>(i * rank + d)];
        if (c < 0 || c >= shape[static_cast<size_t>(d)]) off = -1;
        if (off >= 0) off = off * shape[static_cast<size_t>(d)] + c;
      }
    }
    if (off < 0 || off >= dense.numel()) {
      return invalid_model("sparse tensor '" + what + "': index out of range");
    }
    if (values.dtype() == DType::kString) {
      dense.data<std::string>()[off] = values.data<std::string>()[i];
    } else {
      std::memcpy(dst + static_cast<size_t>(off) * esize, src + static_cast<size_t>(i) * esize, esize);
    }
  }
  return dense;
}

void tensor_to_proto(const Tensor& t, const std::string& name, P* p) {
  p->Clear();
  p->set_name(name);
  p->set_data_type(dtype_to_onnx(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  if (t.dtype() == DType::kString) {
    for (int64_t i = 0; i < t.numel(); ++i) p->add_string_data(t.data<std::string>()[i]);
  } else {
    p->set_raw_data(t.raw(), t.nbytes());
  }
}

Expected<Tensor> read_tensor_pb(const std::string& path, std::string* name) {
  LACUNA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  P p;
  if (!p.ParseFromString(bytes)) {
    return invalid_argument("'" + path + "' is not a valid ONNX TensorProto file");
  }
  if (name) *name = p.name();
  auto t = tensor_from_proto(p, "", p.name().empty() ? path : p.name());
  if (!t) return t.status().with_context(path);
  return t;
}

namespace {

Expected<Value> value_from_sequence(const onnx::SequenceProto& sp, const std::string& what) {
  Value v;
  v.kind = ValueKind::kSequence;
  if (sp.elem_type() != onnx::SequenceProto::TENSOR && sp.elem_type() != onnx::SequenceProto::UNDEFINED) {
    return unsupported(what + ": only sequences of tensors are supported");
  }
  for (const auto& tp : sp.tensor_values()) {
    LACUNA_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(tp, "", what));
    v.elem_dtype = t.dtype();
    v.sequence.push_back(std::move(t));
  }
  return v;
}

}  // namespace

Expected<Value> read_value_pb(const std::string& path, ValueKind kind, std::string* name) {
  if (kind == ValueKind::kTensor) {
    LACUNA_ASSIGN_OR_RETURN(Tensor t, read_tensor_pb(path, name));
    return Value::of(std::move(t));
  }
  LACUNA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  if (kind == ValueKind::kSequence) {
    onnx::SequenceProto sp;
    if (!sp.ParseFromString(bytes)) return invalid_argument("'" + path + "' is not a SequenceProto");
    if (name) *name = sp.name();
    return value_from_sequence(sp, path);
  }
  onnx::OptionalProto op;
  if (!op.ParseFromString(bytes)) return invalid_argument("'" + path + "' is not an OptionalProto");
  if (name) *name = op.name();
  Value v;
  v.kind = ValueKind::kOptional;
  if (op.has_tensor_value()) {
    LACUNA_ASSIGN_OR_RETURN(v.tensor, tensor_from_proto(op.tensor_value(), "", path));
    v.elem_dtype = v.tensor.dtype();
  } else if (op.has_sequence_value()) {
    LACUNA_ASSIGN_OR_RETURN(Value s, value_from_sequence(op.sequence_value(), path));
    v.sequence = std::move(s.sequence);
    v.elem_dtype = s.elem_dtype;
    v.optional_of_sequence = true;
  } else {
    v.present = false;
    v.optional_of_sequence = op.elem_type() == onnx::OptionalProto::SEQUENCE;
  }
  return v;
}

Status write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path) {
  P p;
  tensor_to_proto(t, name, &p);
  std::string bytes;
  if (!p.SerializeToString(&bytes)) return internal_error("cannot serialize tensor '" + name + "'");
  return write_file_atomic(path, bytes);
}

}  // namespace lacuna::onnx_io
