// numpy-style matmul shape rules shared by the integer and fused matmul operators.
#pragma once

#include <string>

#include "ops/common.h"

namespace lacuna::ops {

struct MatMulDims {
  int64_t m = 1, k = 1, n = 1;
  Shape a_batch, b_batch, batch;  // batch dims of A, B and (broadcast) of the output
  Shape out;
};

// A is [..., M, K] ([..., K, M] when trans_a), B is [..., K, N] ([..., N, K] when trans_b); a 1-D A
// is a row [1, K] and a 1-D B a column [K, 1], and those dims are dropped from the output again.
// Batch dims broadcast.
Expected<MatMulDims> matmul_dims(const Shape& a, const Shape& b, const std::string& node,
                                 bool trans_a = false, bool trans_b = false);

}  // namespace lacuna::ops
