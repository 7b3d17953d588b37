// Sequence and optional op helpers.
#include "ops/sequence_util.h"

#include "ops/data_common.h"

namespace lacuna::ops {

void set_sequence(RtValue& v, DType elem, std::vector<Tensor> items) {
  v.kind = ValueKind::kSequence;
  v.elem_dtype = elem;
  v.sequence = std::move(items);
  v.tensor = Tensor();
  v.present = true;
  v.optional_of_sequence = false;
}

Status expect_sequence(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return ctx.error("input " + std::to_string(i) + " is required");
  if (ctx.inputs[static_cast<size_t>(i)].kind != ValueKind::kSequence) {
    return ctx.bad_input("input " + std::to_string(i) + " must be a sequence");
  }
  return Status::ok();
}

Status check_item_dtype(const InferContext& ctx, int i, DType item) {
  const DType elem = ctx.dtype(i);
  if (elem != DType::kUndefined && elem != item) {
    return ctx.bad_input("a " + std::string(dtype_name(item)) + " tensor cannot join a sequence of " +
                         std::string(dtype_name(elem)));
  }
  return Status::ok();
}

Status position_value(const std::string& node, const Tensor& t, int64_t n, bool allow_end, int64_t* pos) {
  LACUNA_ASSIGN_OR_RETURN(int64_t p, int_scalar(t, node + ": position"));
  const int64_t hi = allow_end ? n : n - 1;
  if (p < -n || p > hi) {
    return out_of_range(node + ": position " + std::to_string(p) + " is outside [" + std::to_string(-n) +
                        ", " + std::to_string(hi) + "] for a sequence of length " + std::to_string(n));
  }
  *pos = p < 0 ? p + n : p;
  return Status::ok();
}

Status sequence_position(const RunContext& ctx, int i, int64_t n, bool allow_end, int64_t* pos) {
  return position_value(std::string(ctx.node), ctx.input(i), n, allow_end, pos);
}

}  // namespace lacuna::ops
