// NonMaxSuppression: validates boxes/scores and the optional limit and threshold inputs; the
// number of selected boxes is only known after running, so the output shape is deferred.
#include "kernels/ref/nms.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"
#include "ops/scalar_values.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

class NonMaxSuppressionKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const int64_t cpb = attr_int("center_point_box", 0);
    if (cpb != 0 && cpb != 1) return error("center_point_box must be 0 or 1");
    center_point_box_ = cpb == 1;
    return Status::ok();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(0, {DType::kFloat32}));
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(1, {DType::kFloat32}));
    const Shape& b = ctx.shape(0);
    const Shape& s = ctx.shape(1);
    if (b.size() != 3 || b[2] != 4)
      return ctx.bad_input("boxes must be [batches, boxes, 4], not " + shape_to_string(b));
    if (s.size() != 3 || s[0] != b[0] || s[2] != b[1]) {
      return ctx.bad_input("scores " + shape_to_string(s) +
                           " must be [batches, classes, boxes] matching boxes " + shape_to_string(b));
    }
    if (ctx.has_input(2)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(2, {DType::kInt64}));
    for (int i = 3; i < 5; ++i) {
      if (ctx.has_input(i)) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {DType::kFloat32}));
    }
    ctx.set_output_deferred(0, DType::kInt64);
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    const Tensor& boxes = ctx.input(0);
    const Tensor& scores = ctx.input(1);
    ref::NmsParams p;
    p.batches = boxes.shape()[0];
    p.boxes = boxes.shape()[1];
    p.classes = scores.shape()[1];
    p.center_point_box = center_point_box_;
    if (ctx.has_input(2) && ctx.input(2).numel() > 0) {
      LACUNA_ASSIGN_OR_RETURN(p.max_per_class,
                              scalar_int(ctx.input(2), node_ + ": max_output_boxes_per_class"));
    }
    if (ctx.has_input(3) && ctx.input(3).numel() > 0) {
      LACUNA_ASSIGN_OR_RETURN(double iou, scalar_double(ctx.input(3), node_ + ": iou_threshold"));
      if (iou < 0.0 || iou > 1.0) return ctx.error("iou_threshold must be in [0, 1]");
      p.iou_threshold = static_cast<float>(iou);
    }
    if (ctx.has_input(4) && ctx.input(4).numel() > 0) {
      LACUNA_ASSIGN_OR_RETURN(double st, scalar_double(ctx.input(4), node_ + ": score_threshold"));
      p.has_score_threshold = true;
      p.score_threshold = static_cast<float>(st);
    }
    const auto selected = ref::non_max_suppression(p, boxes.data<float>(), scores.data<float>());
    const auto n = static_cast<int64_t>(selected.size());
    LACUNA_RETURN_IF_ERROR(ctx.allocate_output(0, DType::kInt64, {n, 3}));
    int64_t* y = ctx.output(0).data<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < 3; ++j) y[i * 3 + j] = selected[static_cast<size_t>(i)][static_cast<size_t>(j)];
    }
    return Status::ok();
  }

 private:
  bool center_point_box_ = false;
};

}  // namespace

void register_nms_ops(Registry& r) {
  r.add("", "NonMaxSuppression", make_impl<NonMaxSuppressionKernel>("nms_ref"));
}

}  // namespace lacuna::ops
