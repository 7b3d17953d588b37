// Data-movement op helpers.
#include "ops/data_common.h"

#include <algorithm>
#include <cstring>

namespace lacuna::ops {

void copy_elements(const Tensor& src, Tensor& dst) {
  if (src.dtype() == DType::kString) {
    std::copy(src.data<std::string>(), src.data<std::string>() + src.numel(), dst.data<std::string>());
  } else if (src.nbytes() && src.raw() != dst.raw()) {
    std::memcpy(dst.raw(), src.raw(), src.nbytes());
  }
}

Expected<Tensor> owned_copy(const Tensor& t) {
  LACUNA_ASSIGN_OR_RETURN(Tensor c, Tensor::create(t.dtype(), t.shape()));
  copy_elements(t, c);
  return c;
}

Expected<int64_t> int_scalar(const Tensor& t, const std::string& what) {
  if (t.numel() != 1) {
    return invalid_argument(what + " must have one element, not " + std::to_string(t.numel()));
  }
  LACUNA_ASSIGN_OR_RETURN(std::vector<int64_t> v, int_values(t, what));
  return v[0];
}

Expected<int> tensor_axis(int64_t axis, int rank, const std::string& node) {
  if (rank < 1) return invalid_argument(node + ": axis " + std::to_string(axis) + " is out of range for a scalar");
  return normalize_axis(axis, rank, node);
}

Status check_permutation(const std::vector<int64_t>& perm, int rank, const std::string& node) {
  if (static_cast<int>(perm.size()) != rank) {
    return invalid_model(node + ": perm has " + std::to_string(perm.size()) +
                         " entries for an input of rank " + std::to_string(rank));
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[static_cast<size_t>(p)]) {
      return invalid_model(node + ": perm is not a permutation of 0.." + std::to_string(rank - 1));
    }
    seen[static_cast<size_t>(p)] = true;
  }
  return Status::ok();
}

Status dtype_error(const std::string& node, DType t) {
  return unsupported(node + ": dtype " + std::string(dtype_name(t)) + " is not supported");
}

}  // namespace lacuna::ops
