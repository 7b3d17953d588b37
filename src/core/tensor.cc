// Tensor storage, dtype metadata and shape arithmetic.
#include "lacuna/tensor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "core/dispatch.h"
#include "core/memory.h"
#include "core/saturate.h"

namespace lacuna {

namespace {

constexpr size_t kAlignment = 64;

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kUndefined, "undefined", 0}, {DType::kFloat32, "float32", 4},
    {DType::kFloat16, "float16", 2},     {DType::kBFloat16, "bfloat16", 2},
    {DType::kFloat64, "float64", 8},     {DType::kInt8, "int8", 1},
    {DType::kUint8, "uint8", 1},         {DType::kInt16, "int16", 2},
    {DType::kUint16, "uint16", 2},       {DType::kInt32, "int32", 4},
    {DType::kUint32, "uint32", 4},       {DType::kInt64, "int64", 8},
    {DType::kUint64, "uint64", 8},       {DType::kBool, "bool", 1},
    {DType::kString, "string", sizeof(std::string)},
};

const DTypeInfo& info(DType t) { return kDTypes[static_cast<int>(t)]; }

// Allocates storage for n elements: zeroed POD memory, or constructed strings.
std::shared_ptr<void> allocate(DType dtype, int64_t n) {
  if (dtype == DType::kString) {
    auto* p = new std::string[static_cast<size_t>(n > 0 ? n : 1)];
    return std::shared_ptr<void>(p, [](void* q) { delete[] static_cast<std::string*>(q); });
  }
  size_t bytes = static_cast<size_t>(n) * dtype_size(dtype);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (bytes == 0) bytes = kAlignment;
  std::shared_ptr<void> p = allocate_shared(bytes, /*zeroed=*/true);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

size_t dtype_size(DType t) { return info(t).size; }
std::string_view dtype_name(DType t) { return info(t).name; }

Expected<DType> dtype_from_name(std::string_view name) {
  for (const auto& d : kDTypes) {
    if (name == d.name) return d.dtype;
  }
  if (name == "float") return DType::kFloat32;
  if (name == "double") return DType::kFloat64;
  if (name == "half") return DType::kFloat16;
  return invalid_argument("unknown dtype '" + std::string(name) + "'");
}

bool is_floating(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 ||
         t == DType::kFloat64;
}

bool is_integral(DType t) {
  switch (t) {
    case DType::kInt8: case DType::kUint8: case DType::kInt16: case DType::kUint16:
    case DType::kInt32: case DType::kUint32: case DType::kInt64: case DType::kUint64:
      return true;
    default:
      return false;
  }
}

bool is_signed(DType t) {
  return t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 || t == DType::kInt64 ||
         is_floating(t);
}

std::string shape_to_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

Expected<int64_t> checked_numel(const Shape& s) {
  int64_t n = 1;
  // Keep element counts within what a byte offset (8 bytes per element) can address.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 16;
  for (int64_t d : s) {
    if (d < 0) return invalid_argument("negative dimension in shape " + shape_to_string(s));
    if (d != 0 && n > kMax / d) {
      return out_of_range("element count of shape " + shape_to_string(s) + " overflows");
    }
    n *= d;
  }
  return n;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = lacuna::numel(shape_);
  storage_ = allocate(dtype_, numel_);
  data_ = storage_.get();
}

namespace {
std::atomic<int64_t> g_max_tensor_bytes{int64_t{1} << 40};
}  // namespace

void set_max_tensor_bytes(int64_t bytes) { g_max_tensor_bytes = bytes; }
int64_t max_tensor_bytes() { return g_max_tensor_bytes; }

Expected<int64_t> allocatable_bytes(DType dtype, const Shape& shape) {
  LACUNA_ASSIGN_OR_RETURN(int64_t n, checked_numel(shape));
  const int64_t elem = std::max<int64_t>(1, static_cast<int64_t>(dtype_size(dtype)));
  if (n > g_max_tensor_bytes / elem) {
    return out_of_range("tensor of shape " + shape_to_string(shape) + " is too large to allocate");
  }
  return n * static_cast<int64_t>(dtype_size(dtype));
}

Expected<Tensor> Tensor::create(DType dtype, Shape shape) {
  LACUNA_RETURN_IF_ERROR(allocatable_bytes(dtype, shape).status());
  try {
    return Tensor(dtype, std::move(shape));
  } catch (const std::bad_alloc&) {
    return out_of_range("out of memory allocating a tensor of shape " + shape_to_string(shape));
  }
}

Tensor Tensor::wrap(DType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = lacuna::numel(t.shape_);
  t.data_ = data;
  return t;
}

Tensor Tensor::view(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t = wrap(dtype, std::move(shape), data);
  t.storage_ = std::move(owner);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

void Tensor::reset_view(const Tensor& src, const Shape& shape) {
  dtype_ = src.dtype_;
  shape_.assign(shape.begin(), shape.end());
  numel_ = lacuna::numel(shape_);
  storage_ = src.storage_;
  data_ = src.data_;
}

Status Tensor::reuse_or_create(DType dtype, const Shape& shape) {
  if (defined() && dtype_ == dtype && shape_ == shape && storage_ && storage_.use_count() == 1) return Status::ok();
  LACUNA_ASSIGN_OR_RETURN(*this, create(dtype, shape));
  return Status::ok();
}

void Tensor::reset_to_rows(const Tensor& src, int64_t first, int64_t count) {
  dtype_ = src.dtype_;
  shape_.assign(src.shape_.begin(), src.shape_.end());
  shape_[0] = count;
  numel_ = lacuna::numel(shape_);
  storage_ = src.storage_;
  const size_t row_bytes = count > 0 ? nbytes() / static_cast<size_t>(count) : 0;
  data_ = static_cast<char*>(src.data_) + static_cast<size_t>(first) * row_bytes;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (dtype_ == DType::kString) {
    for (int64_t i = 0; i < numel_; ++i) t.data<std::string>()[i] = data<std::string>()[i];
  } else if (nbytes()) {
    std::memcpy(t.data_, data_, nbytes());
  }
  return t;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> out(static_cast<size_t>(numel_));
  if (dtype_ != DType::kInt64 && dtype_ != DType::kUint64) {
    visit_numeric(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* p = data<T>();
      // Saturating: floats beyond the int64 range (or NaN, as 0) have no exact value anyway.
      for (int64_t i = 0; i < numel_; ++i) out[i] = saturate_cast<int64_t>(to_double(p[i]));
    });
  }
  if (dtype_ == DType::kInt64) {  // exact, even beyond 2^53
    for (int64_t i = 0; i < numel_; ++i) out[i] = data<int64_t>()[i];
  } else if (dtype_ == DType::kUint64) {
    for (int64_t i = 0; i < numel_; ++i) out[i] = static_cast<int64_t>(data<uint64_t>()[i]);
  }
  return out;
}

std::vector<double> Tensor::to_double_vector() const {
  std::vector<double> out(static_cast<size_t>(numel_));
  visit_numeric(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = data<T>();
    for (int64_t i = 0; i < numel_; ++i) out[i] = to_double(p[i]);
  });
  return out;
}

}  // namespace lacuna
