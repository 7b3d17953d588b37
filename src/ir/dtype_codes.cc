// ONNX data-type codes.
#include "ir/dtype_codes.h"

#include <string>

namespace lacuna::ir {

namespace {
constexpr struct {
  int code;
  DType dtype;
} kCodes[] = {
    {1, DType::kFloat32}, {2, DType::kUint8},   {3, DType::kInt8},    {4, DType::kUint16},
    {5, DType::kInt16},   {6, DType::kInt32},   {7, DType::kInt64},   {8, DType::kString},
    {9, DType::kBool},    {10, DType::kFloat16}, {11, DType::kFloat64}, {12, DType::kUint32},
    {13, DType::kUint64}, {16, DType::kBFloat16},
};
}  // namespace

Expected<DType> dtype_from_code(int64_t code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.dtype;
  }
  if (code == 14 || code == 15) return unsupported("complex tensors are not supported");
  return invalid_model("unknown tensor element type " + std::to_string(code));
}

int dtype_code(DType t) {
  for (const auto& c : kCodes) {
    if (c.dtype == t) return c.code;
  }
  return 0;
}

}  // namespace lacuna::ir
