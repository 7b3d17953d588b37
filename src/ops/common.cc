// Shared op helpers.
#include "ops/common.h"

namespace lacuna::ops {

Status broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  const size_t r = std::max(a.size(), b.size());
  Shape s(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) {
      s[i] = da;
    } else if (da == 1) {
      s[i] = db;
    } else {
      return invalid_argument("shapes " + shape_to_string(a) + " and " + shape_to_string(b) +
                              " cannot be broadcast together");
    }
  }
  *out = std::move(s);
  return Status::ok();
}

Expected<int> normalize_axis(int64_t axis, int rank, const std::string& node) {
  if (axis < -rank || axis >= std::max(rank, 1)) {
    return invalid_argument(node + ": axis " + std::to_string(axis) + " is out of range for rank " +
                            std::to_string(rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Expected<std::vector<int64_t>> int_values(const Tensor& t, const std::string& what) {
  if (t.dtype() != DType::kInt64 && t.dtype() != DType::kInt32) {
    return invalid_argument(what + " must be int32 or int64, not " + std::string(dtype_name(t.dtype())));
  }
  return t.to_int64_vector();
}

int64_t KernelBase::attr_int(const std::string& k, int64_t def) const {
  const ir::Attribute* a = attr(k);
  return a && a->kind == ir::Attribute::Kind::kInt ? a->i : def;
}

float KernelBase::attr_float(const std::string& k, float def) const {
  const ir::Attribute* a = attr(k);
  if (!a) return def;
  if (a->kind == ir::Attribute::Kind::kFloat) return a->f;
  if (a->kind == ir::Attribute::Kind::kInt) return static_cast<float>(a->i);
  return def;
}

std::string KernelBase::attr_string(const std::string& k, const std::string& def) const {
  const ir::Attribute* a = attr(k);
  return a && a->kind == ir::Attribute::Kind::kString ? a->s : def;
}

std::vector<int64_t> KernelBase::attr_ints(const std::string& k, const std::vector<int64_t>& def) const {
  const ir::Attribute* a = attr(k);
  if (!a) return def;
  if (a->kind == ir::Attribute::Kind::kInts) return a->ints;
  if (a->kind == ir::Attribute::Kind::kInt) return {a->i};
  return def;
}

std::vector<float> KernelBase::attr_floats(const std::string& k, const std::vector<float>& def) const {
  const ir::Attribute* a = attr(k);
  if (!a) return def;
  if (a->kind == ir::Attribute::Kind::kFloats) return a->floats;
  if (a->kind == ir::Attribute::Kind::kFloat) return {a->f};
  return def;
}

}  // namespace lacuna::ops
