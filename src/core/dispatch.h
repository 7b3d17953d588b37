// Maps a runtime DType onto a compile-time element type, so that one template serves every dtype.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "core/half.h"
#include "lacuna/tensor.h"

namespace lacuna {

template <class T>
struct TypeTag {
  using type = T;
};

// Storage type of each dtype (Half / BFloat16 wrap uint16_t bits).
template <DType D>
struct StorageOf;
template <> struct StorageOf<DType::kFloat32> { using type = float; };
template <> struct StorageOf<DType::kFloat64> { using type = double; };
template <> struct StorageOf<DType::kFloat16> { using type = Half; };
template <> struct StorageOf<DType::kBFloat16> { using type = BFloat16; };
template <> struct StorageOf<DType::kInt8> { using type = int8_t; };
template <> struct StorageOf<DType::kUint8> { using type = uint8_t; };
template <> struct StorageOf<DType::kInt16> { using type = int16_t; };
template <> struct StorageOf<DType::kUint16> { using type = uint16_t; };
template <> struct StorageOf<DType::kInt32> { using type = int32_t; };
template <> struct StorageOf<DType::kUint32> { using type = uint32_t; };
template <> struct StorageOf<DType::kInt64> { using type = int64_t; };
template <> struct StorageOf<DType::kUint64> { using type = uint64_t; };
template <> struct StorageOf<DType::kBool> { using type = bool; };
template <> struct StorageOf<DType::kString> { using type = std::string; };

// Calls f(TypeTag<T>{}) for the storage type of a numeric dtype (including bool and the 16-bit
// floats); returns false (without calling f) for string/undefined.
template <class F>
bool visit_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(TypeTag<float>{}); return true;
    case DType::kFloat64: f(TypeTag<double>{}); return true;
    case DType::kFloat16: f(TypeTag<Half>{}); return true;
    case DType::kBFloat16: f(TypeTag<BFloat16>{}); return true;
    case DType::kInt8: f(TypeTag<int8_t>{}); return true;
    case DType::kUint8: f(TypeTag<uint8_t>{}); return true;
    case DType::kInt16: f(TypeTag<int16_t>{}); return true;
    case DType::kUint16: f(TypeTag<uint16_t>{}); return true;
    case DType::kInt32: f(TypeTag<int32_t>{}); return true;
    case DType::kUint32: f(TypeTag<uint32_t>{}); return true;
    case DType::kInt64: f(TypeTag<int64_t>{}); return true;
    case DType::kUint64: f(TypeTag<uint64_t>{}); return true;
    case DType::kBool: f(TypeTag<bool>{}); return true;
    default: return false;
  }
}

// Like visit_numeric, but only float32/float64 and the integer types: the types that
// arithmetic kernels compute in natively (16-bit floats are promoted to float32 upstream).
template <class F>
bool visit_arith(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(TypeTag<float>{}); return true;
    case DType::kFloat64: f(TypeTag<double>{}); return true;
    case DType::kInt8: f(TypeTag<int8_t>{}); return true;
    case DType::kUint8: f(TypeTag<uint8_t>{}); return true;
    case DType::kInt16: f(TypeTag<int16_t>{}); return true;
    case DType::kUint16: f(TypeTag<uint16_t>{}); return true;
    case DType::kInt32: f(TypeTag<int32_t>{}); return true;
    case DType::kUint32: f(TypeTag<uint32_t>{}); return true;
    case DType::kInt64: f(TypeTag<int64_t>{}); return true;
    case DType::kUint64: f(TypeTag<uint64_t>{}); return true;
    default: return false;
  }
}

template <class F>
bool visit_float(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: f(TypeTag<float>{}); return true;
    case DType::kFloat64: f(TypeTag<double>{}); return true;
    default: return false;
  }
}

// Numeric conversions through double/float for any storage type.
template <class T>
inline double to_double(T v) {
  if constexpr (std::is_same_v<T, Half>) {
    return half_to_float(v.bits);
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return bf16_to_float(v.bits);
  } else {
    return static_cast<double>(v);
  }
}

template <class T>
inline T from_double(double v) {
  if constexpr (std::is_same_v<T, Half>) {
    return Half{float_to_half(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16{float_to_bf16(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0.0;
  } else {
    return static_cast<T>(v);
  }
}

}  // namespace lacuna
