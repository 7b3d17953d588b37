// Reference Softmax, LogSoftmax and Hardmax along the middle axis of an (outer, axis, inner)
// view of a tensor.
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

template <class T>
void softmax(SoftmaxKind kind, const T* x, int64_t outer, int64_t axis, int64_t inner, T* y);

}  // namespace lacuna::kernels::ref
