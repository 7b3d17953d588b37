// The fused attention kernel against the reference attention, with and without masks of each
// broadcast form; and the fusion pass on a BERT-style subgraph against the unfused graph.
#include <gtest/gtest.h>

#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

TEST(AttentionFast, MatchesReference) {
  struct Case {
    int64_t b, sq, sk, heads, d;
    Shape mask;
  };
  const std::vector<Case> cases = {
      {1, 8, 8, 2, 4, {}},          {2, 17, 17, 3, 8, {2, 1, 1, 17}}, {1, 33, 20, 4, 16, {1, 4, 33, 20}},
      {2, 5, 7, 1, 3, {7}},         {1, 128, 128, 12, 64, {1, 1, 1, 128}},
  };
  for (const Case& c : cases) {
    ir::Attributes a;
    a["num_heads"] = Attribute::of_int(c.heads);
    a["scale"] = Attribute::of_float(0.125f);
    const int64_t e = c.heads * c.d;
    std::vector<Tensor> in = {test::random_tensor(DType::kFloat32, {c.b, c.sq, e}, 1),
                              test::random_tensor(DType::kFloat32, {c.b, c.sk, e}, 2),
                              test::random_tensor(DType::kFloat32, {c.b, c.sk, e}, 3)};
    int n_in = 3;
    if (!c.mask.empty()) {
      in.push_back(test::random_tensor(DType::kFloat32, c.mask, 4, -5, 0));
      n_in = 4;
    }
    test::expect_fast_matches_reference(test::make_node("Attention", n_in, 1, a, "lacuna"), in, "attention_fast",
                                        1e-4, 1e-5);
  }
}

}  // namespace
}  // namespace lacuna
