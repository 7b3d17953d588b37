// InferContext helpers.
#include "runtime/op_kernel.h"

namespace lacuna::runtime {

Status InferContext::expect_input(int i, std::initializer_list<DType> dtypes) const {
  if (!has_input(i)) return invalid_model(node + ": input " + std::to_string(i) + " is required");
  if (inputs[static_cast<size_t>(i)].kind != ValueKind::kTensor) {
    return invalid_argument(node + ": input " + std::to_string(i) + " must be a tensor");
  }
  if (dtypes.size() == 0) return Status::ok();
  for (DType d : dtypes) {
    if (d == dtype(i)) return Status::ok();
  }
  std::string allowed;
  for (DType d : dtypes) allowed += (allowed.empty() ? "" : ", ") + std::string(dtype_name(d));
  return invalid_argument(node + ": input " + std::to_string(i) + " has dtype " +
                          std::string(dtype_name(dtype(i))) + "; expected " + allowed);
}

}  // namespace lacuna::runtime
