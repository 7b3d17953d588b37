// .npy parsing: a magic string, a Python-dict header, then raw data.
#include "io/npy.h"

#include <cstring>

#include "core/file_util.h"

namespace lacuna::io {

namespace {

const char* descr_of(DType t) {
  switch (t) {
    case DType::kFloat32: return "<f4";
    case DType::kFloat64: return "<f8";
    case DType::kFloat16: return "<f2";
    case DType::kInt8: return "|i1";
    case DType::kUint8: return "|u1";
    case DType::kInt16: return "<i2";
    case DType::kUint16: return "<u2";
    case DType::kInt32: return "<i4";
    case DType::kUint32: return "<u4";
    case DType::kInt64: return "<i8";
    case DType::kUint64: return "<u8";
    case DType::kBool: return "|b1";
    default: return nullptr;
  }
}

Expected<DType> dtype_of_descr(std::string d) {
  if (d.size() == 3 && (d[0] == '<' || d[0] == '|' || d[0] == '=')) d[0] = '<';
  if (d == "<b1") return DType::kBool;
  if (d == "<i1") return DType::kInt8;
  if (d == "<u1") return DType::kUint8;
  static const struct { const char* s; DType t; } kTable[] = {
      {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
      {"<i2", DType::kInt16},   {"<u2", DType::kUint16},  {"<i4", DType::kInt32},
      {"<u4", DType::kUint32},  {"<i8", DType::kInt64},   {"<u8", DType::kUint64}};
  for (const auto& e : kTable) {
    if (d == e.s) return e.t;
  }
  return unsupported("unsupported .npy dtype '" + d + "' (big-endian or non-numeric)");
}

// Finds the value text of 'key' in a header like {'descr': '<f4', 'fortran_order': False, ...}.
bool header_field(const std::string& h, const std::string& key, std::string* out) {
  const auto k = h.find("'" + key + "'");
  if (k == std::string::npos) return false;
  auto p = h.find(':', k);
  if (p == std::string::npos) return false;
  ++p;
  while (p < h.size() && h[p] == ' ') ++p;
  if (p >= h.size()) return false;
  size_t e;
  if (h[p] == '\'') {
    e = h.find('\'', p + 1);
    if (e == std::string::npos) return false;
    *out = h.substr(p + 1, e - p - 1);
  } else if (h[p] == '(') {
    e = h.find(')', p);
    if (e == std::string::npos) return false;
    *out = h.substr(p + 1, e - p - 1);
  } else {
    e = h.find_first_of(",}", p);
    if (e == std::string::npos) return false;
    *out = h.substr(p, e - p);
  }
  return true;
}

}  // namespace

Expected<Tensor> parse_npy(const std::string& bytes, const std::string& what) {
  auto bad = [&](const std::string& why) { return invalid_argument("'" + what + "': " + why); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    return bad("not a .npy file (bad magic)");
  }
  const int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len;
  size_t offset;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad("unsupported .npy version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) return bad("truncated header");
  const std::string header = bytes.substr(offset, header_len);
  std::string descr, fortran, shape_text;
  if (!header_field(header, "descr", &descr) || !header_field(header, "fortran_order", &fortran) ||
      !header_field(header, "shape", &shape_text)) {
    return bad("malformed header");
  }
  if (fortran.find("True") != std::string::npos) return bad("Fortran-order arrays are not supported");
  auto dt = dtype_of_descr(descr);
  if (!dt) return dt.status().with_context(what);
  Shape shape;
  size_t p = 0;
  while (p < shape_text.size()) {
    while (p < shape_text.size() && (shape_text[p] == ' ' || shape_text[p] == ',')) ++p;
    if (p >= shape_text.size()) break;
    size_t e = p;
    while (e < shape_text.size() && std::isdigit(static_cast<unsigned char>(shape_text[e]))) ++e;
    if (e == p) return bad("malformed shape '" + shape_text + "'");
    try {
      shape.push_back(std::stoll(shape_text.substr(p, e - p)));
    } catch (const std::exception&) {
      return bad("malformed shape '" + shape_text + "'");
    }
    p = e;
  }
  auto t = Tensor::create(*dt, shape);
  if (!t) return t.status().with_context(what);
  const size_t data_off = offset + header_len;
  if (bytes.size() - data_off != t->nbytes()) {
    return bad("has " + std::to_string(bytes.size() - data_off) + " data bytes, expected " +
               std::to_string(t->nbytes()) + " for " + std::string(dtype_name(*dt)) +
               shape_to_string(shape));
  }
  if (t->nbytes()) std::memcpy(t->raw(), bytes.data() + data_off, t->nbytes());
  return t;
}

Expected<Tensor> read_npy(const std::string& path) {
  LACUNA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return parse_npy(bytes, path);
}

std::string serialize_npy(const Tensor& t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    shape += std::to_string(t.shape()[i]);
    shape += (t.shape().size() == 1 || i + 1 < t.shape().size()) ? "," : "";
    if (i + 1 < t.shape().size()) shape += " ";
  }
  shape += ")";
  const char* descr = descr_of(t.dtype());
  std::string header = std::string("{'descr': '") + (descr ? descr : "<f4") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary; end with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Status write_npy(const Tensor& t, const std::string& path) {
  if (!descr_of(t.dtype())) {
    return unsupported("cannot write " + std::string(dtype_name(t.dtype())) + " tensors as .npy");
  }
  return write_file_atomic(path, serialize_npy(t));
}

}  // namespace lacuna::io
