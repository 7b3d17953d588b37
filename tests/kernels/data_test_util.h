// Small helpers for the data-movement kernel tests: literal tensors, attributes, omitted inputs
// and a naive multi-index walk to compute expected values independently of the kernels.
#pragma once

#include <string>
#include <vector>

#include "test_util.h"

namespace lacuna::test {

inline Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
inline Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(std::move(s), v); }
inline Tensor i32(Shape s, std::vector<int32_t> v) { return Tensor::from_vector<int32_t>(std::move(s), v); }
inline Tensor str(Shape s, std::vector<std::string> v) {
  return Tensor::from_vector<std::string>(std::move(s), v);
}
inline Tensor boolean(Shape s, std::vector<bool> v) { return Tensor::from_vector<bool>(std::move(s), v); }

inline ir::Attribute ai(int64_t v) { return ir::Attribute::of_int(v); }
inline ir::Attribute ais(std::vector<int64_t> v) { return ir::Attribute::of_ints(std::move(v)); }
inline ir::Attribute as(std::string v) { return ir::Attribute::of_string(std::move(v)); }

// A node whose input i is omitted (its tensor is passed as Tensor()).
inline ir::Node omit_input(ir::Node n, size_t i) {
  n.inputs[i] = ir::kNoValue;
  return n;
}

// Row-major multi-index of flat position e in shape s.
inline std::vector<int64_t> unravel(int64_t e, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = s[d] ? e % s[d] : 0;
    e = s[d] ? e / s[d] : 0;
  }
  return idx;
}
inline int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t e = 0;
  for (size_t d = 0; d < s.size(); ++d) e = e * s[d] + idx[d];
  return e;
}

// Expects an error whose message names the node.
inline void expect_error(const ir::Node& n, const std::vector<Tensor>& inputs, int64_t opset = 17) {
  Status s = try_run_op(n, inputs, opset);
  EXPECT_FALSE(s.is_ok()) << n.op_type << " accepted bad input";
  EXPECT_NE(s.message().find(n.name), std::string::npos) << s.message();
}

}  // namespace lacuna::test
