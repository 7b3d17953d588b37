// Element types, shapes and the Tensor: a typed, shaped view of a shared buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lacuna/status.h"

namespace lacuna {

enum class DType : uint8_t {
  kUndefined = 0,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt8,
  kUint8,
  kInt16,
  kUint16,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kBool,
  kString,
};

size_t dtype_size(DType t);         // bytes per element (sizeof(std::string) for kString)
std::string_view dtype_name(DType t);  // "float32", "int64", ...
Expected<DType> dtype_from_name(std::string_view name);
bool is_floating(DType t);          // float16/bfloat16/float32/float64
bool is_integral(DType t);          // signed or unsigned integers (not bool)
bool is_signed(DType t);

using Shape = std::vector<int64_t>;

std::string shape_to_string(const Shape& s);  // "[1,3,224,224]"
// Product of dims; an error if a dim is negative or the product overflows int64 / the address space.
Expected<int64_t> checked_numel(const Shape& s);
int64_t numel(const Shape& s);  // unchecked; for shapes that were validated already
// The largest tensor Tensor::create allocates (default 1 TiB); lower it to bound memory use on
// untrusted models (the fuzzer does).
void set_max_tensor_bytes(int64_t bytes);
int64_t max_tensor_bytes();
// Bytes of a `dtype` tensor of `shape`, or an out-of-range error when that overflows or exceeds
// max_tensor_bytes() (what Tensor::create and the memory planner refuse to allocate).
Expected<int64_t> allocatable_bytes(DType dtype, const Shape& shape);

// A Tensor owns (or borrows) a buffer of numel(shape) elements of dtype, stored row-major.
// Copies are shallow: they share the buffer. Use clone() for a deep copy.
class Tensor {
 public:
  Tensor() = default;
  // Allocates a zero-filled, 64-byte-aligned buffer. Throws std::bad_alloc only on OOM of a
  // validated shape; use Tensor::create for shapes from untrusted input.
  Tensor(DType dtype, Shape shape);
  static Expected<Tensor> create(DType dtype, Shape shape);
  // Borrows `data`; the caller keeps it alive for the Tensor's lifetime.
  static Tensor wrap(DType dtype, Shape shape, void* data);
  // Shares `owner`'s lifetime, viewing `data` inside it.
  static Tensor view(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner);
  template <class T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values);
  template <class T>
  static Tensor scalar(T value) {
    return from_vector<T>({}, {value});
  }

  bool defined() const { return dtype_ != DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + rank() : i]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <class T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <class T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }

  // Same buffer, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // Makes this tensor a view of src's buffer with `shape` (same element count), reusing this
  // tensor's shape storage (no allocation once capacity suffices).
  void reset_view(const Tensor& src, const Shape& shape);
  // Makes this a tensor of `dtype` and `shape` that nobody else holds: keeps its buffer when it
  // already is one (no allocation), else allocates a zeroed one.
  Status reuse_or_create(DType dtype, const Shape& shape);
  // Makes this tensor a view of src's rows [first, first + count) along the first axis, reusing
  // this tensor's shape storage.
  void reset_to_rows(const Tensor& src, int64_t first, int64_t count);
  // Lets go of the buffer, keeping the dtype and the shape's storage for the next reset_*.
  void drop_buffer() {
    storage_.reset();
    data_ = nullptr;
  }
  Tensor clone() const;
  // Values as int64 (for index/shape tensors of any integer type).
  std::vector<int64_t> to_int64_vector() const;
  std::vector<double> to_double_vector() const;
  const std::shared_ptr<void>& storage() const { return storage_; }

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
};

template <class T>
struct DTypeOf;
#define LACUNA_DTYPE_OF_(T, D) \
  template <>                  \
  struct DTypeOf<T> {          \
    static constexpr DType value = D; \
  }
LACUNA_DTYPE_OF_(float, DType::kFloat32);
LACUNA_DTYPE_OF_(double, DType::kFloat64);
LACUNA_DTYPE_OF_(int8_t, DType::kInt8);
LACUNA_DTYPE_OF_(uint8_t, DType::kUint8);
LACUNA_DTYPE_OF_(int16_t, DType::kInt16);
LACUNA_DTYPE_OF_(uint16_t, DType::kUint16);
LACUNA_DTYPE_OF_(int32_t, DType::kInt32);
LACUNA_DTYPE_OF_(uint32_t, DType::kUint32);
LACUNA_DTYPE_OF_(int64_t, DType::kInt64);
LACUNA_DTYPE_OF_(uint64_t, DType::kUint64);
LACUNA_DTYPE_OF_(bool, DType::kBool);
LACUNA_DTYPE_OF_(std::string, DType::kString);
#undef LACUNA_DTYPE_OF_

template <class T>
Tensor Tensor::from_vector(Shape shape, const std::vector<T>& values) {
  Tensor t(DTypeOf<T>::value, std::move(shape));
  T* d = t.data<T>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i) d[i] = values[i];
  return t;
}

}  // namespace lacuna
