// The optimized MatMul / Gemm / FusedGemm against the reference implementations, per ISA.
#include <gtest/gtest.h>

#include "core/cpu.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

void compare(const ir::Node& node, const std::vector<Tensor>& in, const std::string& what) {
  SCOPED_TRACE(what);
  test::expect_fast_matches_reference(node, in, "gemm_fast");
}

Tensor rnd(Shape s, uint64_t seed) { return test::random_tensor(DType::kFloat32, s, seed); }

TEST(GemmFast, MatMulConstantAndBatched) {
  compare(test::make_node("MatMul", 2, 1), {rnd({2, 17, 33}, 1), rnd({33, 45}, 2)}, "batched A, 2-D W");
  compare(test::make_node("MatMul", 2, 1), {rnd({3, 4, 9, 16}, 3), rnd({3, 4, 16, 9}, 4)}, "both batched");
  compare(test::make_node("MatMul", 2, 1), {rnd({2, 5, 7}, 5), rnd({1, 7, 6}, 6)}, "broadcast B");
  compare(test::make_node("MatMul", 2, 1), {rnd({300, 20}, 7), rnd({20, 70}, 8)}, "tall");
}

TEST(GemmFast, GemmForms) {
  ir::Attributes tb;
  tb["transB"] = Attribute::of_int(1);
  tb["alpha"] = Attribute::of_float(0.5f);
  tb["beta"] = Attribute::of_float(2.f);
  compare(test::make_node("Gemm", 3, 1, tb), {rnd({5, 12}, 9), rnd({30, 12}, 10), rnd({30}, 11)}, "transB bias");
  compare(test::make_node("Gemm", 3, 1, {}), {rnd({5, 12}, 12), rnd({12, 30}, 13), rnd({1, 30}, 14)}, "row bias");
  compare(test::make_node("Gemm", 3, 1, {}), {rnd({5, 12}, 15), rnd({12, 30}, 16), rnd({5, 30}, 17)}, "full C");
  compare(test::make_node("Gemm", 2, 1, {}), {rnd({1, 12}, 18), rnd({12, 3}, 19)}, "no C");
}

TEST(GemmFast, FusedEpilogues) {
  for (const char* act : {"none", "relu", "gelu", "gelu_tanh", "tanh", "sigmoid"}) {
    ir::Attributes a;
    a["activation"] = Attribute::of_string(act);
    a["transB"] = Attribute::of_int(1);
    compare(test::make_node("FusedGemm", 4, 1, a, "lacuna"),
            {rnd({2, 19, 40}, 20), rnd({50, 40}, 21), rnd({50}, 22), rnd({2, 19, 50}, 23)}, act);
  }
}

}  // namespace
}  // namespace lacuna
