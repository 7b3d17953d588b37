// Helpers shared by operator implementations: broadcasting, axes, attribute checks.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "lacuna/status.h"
#include "lacuna/tensor.h"
#include "runtime/op_kernel.h"

namespace lacuna::ops {

using runtime::InferContext;
using runtime::OpKernel;
using runtime::PrepareContext;
using runtime::RunContext;

// Numpy-style multidirectional broadcast of shapes.
Status broadcast_shapes(const Shape& a, const Shape& b, Shape* out);
// Normalises a possibly negative axis into [0, rank); an error names the node.
Expected<int> normalize_axis(int64_t axis, int rank, const std::string& node);
// Reads a 1-D integer tensor (int32/int64) as a vector.
Expected<std::vector<int64_t>> int_values(const Tensor& t, const std::string& what);

// Base for kernels: keeps the node's name, type and attributes.
class KernelBase : public OpKernel {
 public:
  KernelBase(const ir::Node& node, int64_t opset)
      : node_(node.describe()), attrs_(node.attrs), opset_(opset),
        num_inputs_(static_cast<int>(node.inputs.size())),
        num_outputs_(static_cast<int>(node.outputs.size())) {}

 protected:
  const ir::Attribute* attr(const std::string& k) const {
    auto it = attrs_.find(k);
    return it == attrs_.end() ? nullptr : &it->second;
  }
  int64_t attr_int(const std::string& k, int64_t def) const;
  float attr_float(const std::string& k, float def) const;
  std::string attr_string(const std::string& k, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& k, const std::vector<int64_t>& def = {}) const;
  std::vector<float> attr_floats(const std::string& k, const std::vector<float>& def = {}) const;
  Status error(const std::string& msg) const { return invalid_model(node_ + ": " + msg); }
  Status bad_input(const std::string& msg) const { return invalid_argument(node_ + ": " + msg); }
  Status not_supported(const std::string& msg) const { return unsupported(node_ + ": " + msg); }
  Status dtype_not_supported(DType t) const {
    return unsupported(node_ + ": dtype " + std::string(dtype_name(t)) + " is not supported");
  }

  std::string node_;
  ir::Attributes attrs_;
  int64_t opset_;
  int num_inputs_;
  int num_outputs_;
};

}  // namespace lacuna::ops
