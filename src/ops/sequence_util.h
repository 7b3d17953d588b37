// Helpers shared by the sequence and optional operators.
#pragma once

#include <string>
#include <vector>

#include "core/value.h"
#include "ops/common.h"

namespace lacuna::ops {

// Makes v a sequence of `items` with element dtype `elem`.
void set_sequence(RtValue& v, DType elem, std::vector<Tensor> items);
// Input i must be present and a sequence.
Status expect_sequence(const InferContext& ctx, int i);
// A tensor of dtype `item` may join the sequence at input i (same element dtype).
Status check_item_dtype(const InferContext& ctx, int i, DType item);
// Reads a scalar position from t and maps it into [0, n) (or [0, n] when allow_end), counting
// negative positions from the end.
Status position_value(const std::string& node, const Tensor& t, int64_t n, bool allow_end, int64_t* pos);
// position_value for run-time input i.
Status sequence_position(const RunContext& ctx, int i, int64_t n, bool allow_end, int64_t* pos);

}  // namespace lacuna::ops
