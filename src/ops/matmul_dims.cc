// numpy-style matmul shape rules.
#include "ops/matmul_dims.h"

namespace lacuna::ops {

Expected<MatMulDims> matmul_dims(const Shape& a, const Shape& b, const std::string& node, bool trans_a,
                                 bool trans_b) {
  if (a.empty() || b.empty()) return invalid_argument(node + ": matmul inputs must have rank >= 1");
  trans_a = trans_a && a.size() > 1;
  trans_b = trans_b && b.size() > 1;
  MatMulDims d;
  const int64_t a_rows = a.size() == 1 ? 1 : a[a.size() - 2];
  d.m = trans_a ? a.back() : a_rows;
  d.k = trans_a ? a_rows : a.back();
  const int64_t b_rows = b.size() == 1 ? b[0] : b[b.size() - 2];
  const int64_t b_cols = b.size() == 1 ? 1 : b.back();
  const int64_t kb = trans_b ? b_cols : b_rows;
  d.n = trans_b ? b_rows : b_cols;
  if (kb != d.k) {
    return invalid_argument(node + ": cannot multiply " + shape_to_string(a) + " by " + shape_to_string(b));
  }
  if (a.size() > 2) d.a_batch.assign(a.begin(), a.end() - 2);
  if (b.size() > 2) d.b_batch.assign(b.begin(), b.end() - 2);
  Status s = broadcast_shapes(d.a_batch, d.b_batch, &d.batch);
  if (!s.is_ok()) return s.with_context(node);
  d.out = d.batch;
  if (a.size() > 1) d.out.push_back(d.m);
  if (b.size() > 1) d.out.push_back(d.n);
  LACUNA_RETURN_IF_ERROR(checked_numel(d.out).status());
  return d;
}

}  // namespace lacuna::ops
