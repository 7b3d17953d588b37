// Helpers shared by the data-movement operator families (transpose, gather, scatter, pad,
// sequences, ...): dtype dispatch onto storage types, whole-tensor copies, index reading.
#pragma once

#include <string>
#include <vector>

#include "kernels/ref/storage.h"
#include "ops/common.h"

namespace lacuna::ops {

// Copies src's elements into dst (same dtype and element count).
void copy_elements(const Tensor& src, Tensor& dst);
// A deep copy that owns its buffer (sequences keep their items past the arena's reuse of them).
Expected<Tensor> owned_copy(const Tensor& t);
// Reads a one-element integer tensor (int32/int64) as a scalar.
Expected<int64_t> int_scalar(const Tensor& t, const std::string& what);
// normalize_axis for ops that index the shape with the axis: a scalar has no axis to name.
Expected<int> tensor_axis(int64_t axis, int rank, const std::string& node);
// Validates a permutation of [0, rank).
Status check_permutation(const std::vector<int64_t>& perm, int rank, const std::string& node);
// Status for an unsupported dtype, naming the node.
Status dtype_error(const std::string& node, DType t);

// Runs body(TypeTag<T>{}, TypeTag<I>{}) -> Status for the data's storage type T and the index
// type I (int32/int64); errors gain the node as context.
// (Error messages are only built on errors: this runs on every inference.)
template <class F>
Status visit_data_and_index(DType data, DType index, const std::string& node, F&& body) {
  Status s;
  bool index_ok = false;
  const bool data_ok = kernels::ref::visit_storage(data, [&](auto t) {
    index_ok = kernels::ref::visit_index(index, [&](auto i) { s = body(t, i).with_context(node); });
  });
  if (!data_ok) return dtype_error(node, data);
  return index_ok ? s : dtype_error(node, index);
}

}  // namespace lacuna::ops
