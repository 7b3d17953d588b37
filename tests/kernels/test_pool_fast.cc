// Optimized pooling against the reference pooling kernels.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

TEST(PoolFast, MaxAndAverage) {
  struct Case {
    Shape x;
    std::vector<int64_t> k, strides, pads, dil;
    bool ceil;
  };
  const std::vector<Case> cases = {
      {{1, 3, 112, 112}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, false},  // ResNet stem
      {{2, 4, 13, 17}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, false},
      {{1, 2, 15, 15}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true},
      {{1, 2, 10, 11}, {3, 2}, {3, 3}, {1, 0, 1, 1}, {1, 1}, true},
      {{1, 2, 12, 12}, {3, 3}, {1, 1}, {0, 0, 0, 0}, {2, 2}, false},
      {{2, 3, 20}, {3}, {2}, {1, 1}, {1}, false},  // 1-D
  };
  int i = 0;
  for (const Case& c : cases) {
    const Tensor x = test::random_tensor(DType::kFloat32, c.x, 10 + i++);
    ir::Attributes a;
    a["kernel_shape"] = Attribute::of_ints(c.k);
    a["strides"] = Attribute::of_ints(c.strides);
    a["pads"] = Attribute::of_ints(c.pads);
    a["ceil_mode"] = Attribute::of_int(c.ceil);
    ir::Attributes m = a;
    m["dilations"] = Attribute::of_ints(c.dil);
    test::expect_fast_matches_reference(test::make_node("MaxPool", 1, 1, m), {x}, "max_pool_fast", 0, 0);
    if (c.dil[0] != 1) continue;  // AveragePool has dilations only from opset 19
    for (int64_t include : {0, 1}) {
      a["count_include_pad"] = Attribute::of_int(include);
      test::expect_fast_matches_reference(test::make_node("AveragePool", 1, 1, a), {x}, "average_pool_fast", 1e-5, 1e-6);
    }
  }
}

TEST(PoolFast, Global) {
  for (Shape s : {Shape{2, 8, 7, 7}, Shape{1, 3, 5}, Shape{1, 2048, 1, 1}}) {
    const Tensor x = test::random_tensor(DType::kFloat32, s, 20);
    test::expect_fast_matches_reference(test::make_node("GlobalAveragePool", 1, 1), {x}, "global_average_pool_fast", 1e-5, 1e-6);
    test::expect_fast_matches_reference(test::make_node("GlobalMaxPool", 1, 1), {x}, "global_max_pool_fast", 0, 0);
  }
}

}  // namespace
}  // namespace lacuna
