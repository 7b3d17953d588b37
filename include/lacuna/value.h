// A model input or output of any kind: a tensor (almost always), a sequence of tensors, or an
// optional that may be empty.
#pragma once

#include <vector>

#include "lacuna/tensor.h"

namespace lacuna {

enum class ValueKind : uint8_t { kTensor, kSequence, kOptional };

struct Value {
  ValueKind kind = ValueKind::kTensor;
  Tensor tensor;                 // kTensor, or the payload of a non-empty tensor optional
  std::vector<Tensor> sequence;  // kSequence, or the payload of a non-empty sequence optional
  DType elem_dtype = DType::kUndefined;  // item dtype of a (possibly empty) sequence
  bool present = true;           // kOptional: whether it holds an element
  bool optional_of_sequence = false;

  static Value of(Tensor t) {
    Value v;
    v.elem_dtype = t.dtype();
    v.tensor = std::move(t);
    return v;
  }
};

}  // namespace lacuna
