// Optimized Softmax / LogSoftmax / LayerNormalization against the reference kernels.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

TEST(RowOpsFast, Softmax) {
  // Row lengths on both sides of each in-register size (32, 64, 128, 256) and past it.
  for (Shape s : {Shape{3, 7}, Shape{2, 4, 33}, Shape{1, 12, 128, 128}, Shape{5, 1}, Shape{3, 16}, Shape{3, 31},
                  Shape{2, 64}, Shape{2, 65}, Shape{2, 200}, Shape{2, 256}, Shape{2, 257}, Shape{2, 300}}) {
    const Tensor x = test::random_tensor(DType::kFloat32, s, 1, -8, 8);
    test::expect_fast_matches_reference(test::make_node("Softmax", 1, 1), {x}, "softmax_fast", 1e-5, 1e-6);
    test::expect_fast_matches_reference(test::make_node("LogSoftmax", 1, 1), {x}, "log_softmax_fast", 1e-5, 1e-5);
  }
  ir::Attributes a;
  a["axis"] = Attribute::of_int(1);
  const Tensor x = test::random_tensor(DType::kFloat32, {2, 3, 5}, 2, -3, 3);
  test::expect_fast_matches_reference(test::make_node("Softmax", 1, 1, a), {x}, "softmax_fast", 1e-5, 1e-6, 11);
}

TEST(RowOpsFast, LayerNorm) {
  for (Shape s : {Shape{4, 768}, Shape{2, 3, 33}, Shape{1, 5}}) {
    const Tensor x = test::random_tensor(DType::kFloat32, s, 3, -4, 4);
    const Tensor g = test::random_tensor(DType::kFloat32, {s.back()}, 4);
    const Tensor b = test::random_tensor(DType::kFloat32, {s.back()}, 5);
    ir::Attributes a;
    a["epsilon"] = Attribute::of_float(1e-12f);
    test::expect_fast_matches_reference(test::make_node("LayerNormalization", 3, 1, a), {x, g, b}, "layer_norm_fast",
                                        1e-4, 1e-5);
    test::expect_fast_matches_reference(test::make_node("LayerNormalization", 3, 3, a), {x, g, b}, "layer_norm_fast",
                                        1e-4, 1e-5);
  }
}

}  // namespace
}  // namespace lacuna
