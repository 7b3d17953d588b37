// Operators that permute dimensions: Transpose, and DepthToSpace / SpaceToDepth (a reshape, a
// transpose and a reshape, done as one strided copy).
#include <numeric>

#include "kernels/ref/strided.h"
#include "ops/data_common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

// Copies x, viewed with shape `view`, transposed by `perm` into y.
Status permute(const Tensor& x, const Shape& view, const std::vector<int>& perm, Tensor& y,
               const std::string& node) {
  bool ok = ref::visit_storage(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ref::transpose(x.data<T>(), view, perm, y.data<T>());
  });
  return ok ? Status::ok() : dtype_error(node, x.dtype());
}

class TransposeKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    const Shape& in = ctx.shape(0);
    const int r = ctx.rank(0);
    std::vector<int64_t> p;
    if (attr("perm")) {
      p = attr_ints("perm");
    } else {
      for (int i = r - 1; i >= 0; --i) p.push_back(i);
    }
    LACUNA_RETURN_IF_ERROR(check_permutation(p, r, node_));
    perm_.assign(p.begin(), p.end());
    Shape out;
    for (int a : perm_) out.push_back(in[static_cast<size_t>(a)]);
    ctx.set_output(0, ctx.dtype(0), std::move(out));
    return Status::ok();
  }
  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    return permute(x, x.shape(), perm_, ctx.output(0), node_);
  }

 private:
  std::vector<int> perm_;
};

// DepthToSpace (to_space) and SpaceToDepth on NCHW input with a block size b.
class BlockKernel : public KernelBase {
 public:
  BlockKernel(const ir::Node& node, int64_t opset, bool to_space)
      : KernelBase(node, opset), to_space_(to_space) {}
  Status init() {
    b_ = attr_int("blocksize", 0);
    if (b_ <= 0) return error("blocksize must be positive");
    const std::string mode = attr_string("mode", "DCR");
    if (mode != "DCR" && mode != "CRD") return error("mode must be DCR or CRD, not '" + mode + "'");
    crd_ = mode == "CRD";
    return Status::ok();
  }
  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0));
    if (ctx.rank(0) != 4) return ctx.bad_input("input must be 4-D (NCHW)");
    const Shape& s = ctx.shape(0);
    const int64_t n = s[0], c = s[1], h = s[2], w = s[3], b = b_;
    if (b > 3037000499) return ctx.bad_input("blocksize is too large");  // b * b overflows
    const int64_t bb = b * b;
    Expected<int64_t> h2 = 0, w2 = 0, c2 = 0;
    if (to_space_) {
      if (c % bb != 0) return ctx.bad_input("channels are not divisible by blocksize^2");
      if (crd_) {
        view_ = {n, c / bb, b, b, h, w};
        perm_ = {0, 1, 4, 2, 5, 3};
      } else {
        view_ = {n, b, b, c / bb, h, w};
        perm_ = {0, 3, 4, 1, 5, 2};
      }
      c2 = c / bb;
      h2 = checked_numel({h, b});
      w2 = checked_numel({w, b});
    } else {
      if (h % b != 0 || w % b != 0) return ctx.bad_input("height and width must be divisible by blocksize");
      view_ = {n, c, h / b, b, w / b, b};
      perm_ = {0, 3, 5, 1, 2, 4};
      c2 = checked_numel({c, bb});
      h2 = h / b;
      w2 = w / b;
    }
    if (!h2 || !w2 || !c2) return ctx.bad_input("the output shape overflows");
    const Shape out = {n, *c2, *h2, *w2};
    LACUNA_RETURN_IF_ERROR(checked_numel(out).status().with_context(node_));
    ctx.set_output(0, ctx.dtype(0), out);
    return Status::ok();
  }
  Status run(RunContext& ctx) override { return permute(ctx.input(0), view_, perm_, ctx.output(0), node_); }

 private:
  bool to_space_;
  bool crd_ = false;
  int64_t b_ = 1;
  Shape view_;
  std::vector<int> perm_;
};

class DepthToSpaceKernel : public BlockKernel {
 public:
  DepthToSpaceKernel(const ir::Node& node, int64_t opset) : BlockKernel(node, opset, true) {}
};
class SpaceToDepthKernel : public BlockKernel {
 public:
  SpaceToDepthKernel(const ir::Node& node, int64_t opset) : BlockKernel(node, opset, false) {}
};

}  // namespace

void register_transpose_ops(Registry& r) {
  r.add("", "Transpose", make_impl<TransposeKernel>("transpose_ref"), true);
  r.add("", "DepthToSpace", make_impl<DepthToSpaceKernel>("depth_to_space_ref"), true);
  r.add("", "SpaceToDepth", make_impl<SpaceToDepthKernel>("space_to_depth_ref"), true);
}

}  // namespace lacuna::ops
