// What a graph value holds at run time: a tensor (almost always), a sequence of tensors, or an
// optional that may be empty. Models whose inputs or outputs are sequences or optionals run
// through Session::run_values.
#pragma once

#include <vector>

#include "lacuna/tensor.h"

namespace lacuna {

enum class ValueKind : uint8_t { kTensor, kSequence, kOptional };

struct RtValue {
  ValueKind kind = ValueKind::kTensor;
  Tensor tensor;                 // kTensor, or the payload of a non-empty tensor optional
  std::vector<Tensor> sequence;  // kSequence, or the payload of a non-empty sequence optional
  DType elem_dtype = DType::kUndefined;  // item dtype of a (possibly empty) sequence
  bool present = true;           // kOptional: whether it holds an element
  bool optional_of_sequence = false;
};

}  // namespace lacuna
