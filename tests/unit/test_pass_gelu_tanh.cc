// fuse_gelu_tanh: 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) in its export shapes
// becomes Gelu(approximate=tanh), which then joins a preceding MatMul + bias as a FusedGemm
// epilogue; any differing constant leaves the graph alone.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using test::count_of;

enum class Product { kHalfXFirst, kXThenHalf, kHalfThenX };

struct GeluSpec {
  bool pow = true;  // Pow(x, 3) (else (x * x) * x)
  float exponent = 3.f;
  float cubic = 0.044715f;
  float sqrt_2_over_pi = 0.7978845608f;
  float one = 1.f;
  float half = 0.5f;
  Product product = Product::kHalfXFirst;
  bool swap_operands = false;  // constants first
  bool tanh_is_output = false;
  bool matmul = false;         // x = MatMul(a, W) + bias
};

ir::Graph gelu_graph(const GeluSpec& s) {
  ir::GraphBuilder b(17);
  ir::ValueId x;
  if (s.matmul) {
    auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
    auto w = b.constant("W", test::random_tensor(DType::kFloat32, {12, 10}, 21));
    auto bias = b.constant("bias", test::random_tensor(DType::kFloat32, {10}, 22));
    x = b.op("Add", {b.op("MatMul", {a, w}), bias});
  } else {
    x = b.input("x", DType::kFloat32, {{3, ""}, {4, ""}, {10, ""}});
  }
  auto c = [&](float v) { return b.constant(b.graph().unique_name("c"), Tensor::scalar<float>(v)); };
  auto mul = [&](ir::ValueId v, ir::ValueId k) { return s.swap_operands ? b.op("Mul", {k, v}) : b.op("Mul", {v, k}); };
  auto add = [&](ir::ValueId v, ir::ValueId k) { return s.swap_operands ? b.op("Add", {k, v}) : b.op("Add", {v, k}); };
  auto cube = s.pow ? b.op("Pow", {x, c(s.exponent)}) : b.op("Mul", {b.op("Mul", {x, x}), x});
  auto inner = add(x, mul(cube, c(s.cubic)));
  auto t = b.op("Tanh", {mul(inner, c(s.sqrt_2_over_pi))});
  auto one_plus = add(t, c(s.one));
  ir::ValueId y = ir::kNoValue;
  switch (s.product) {
    case Product::kHalfXFirst: y = b.op("Mul", {mul(x, c(s.half)), one_plus}); break;
    case Product::kXThenHalf: y = mul(b.op("Mul", {x, one_plus}), c(s.half)); break;
    case Product::kHalfThenX: y = b.op("Mul", {mul(one_plus, c(s.half)), x}); break;
  }
  b.output(y, "y");
  if (s.tanh_is_output) b.output(t, "t");
  return b.finish();
}

const std::vector<std::string> kPass = {"fuse_gelu_tanh"};

void expect_gelu(const test::Optimized& o) {
  EXPECT_EQ(o.after, (test::OpCounts{{"com.microsoft:Gelu", 1}}));
  const ir::Node* gelu = test::find_op(o.graph, "Gelu", "com.microsoft");
  ASSERT_NE(gelu, nullptr);
  EXPECT_EQ(gelu->attr_string("approximate", "none"), "tanh");
}

TEST(FuseGeluTanh, EveryExportShape) {
  for (bool pow : {true, false}) {
    for (Product p : {Product::kHalfXFirst, Product::kXThenHalf, Product::kHalfThenX}) {
      for (bool swap : {false, true}) {
        SCOPED_TRACE(testing::Message() << "pow " << pow << " product " << static_cast<int>(p) << " swap " << swap);
        GeluSpec s;
        s.pow = pow;
        s.product = p;
        s.swap_operands = swap;
        const ir::Graph g = gelu_graph(s);
        auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 1));
        expect_gelu(o);
      }
    }
  }
}

TEST(FuseGeluTanh, RoundedCoefficientsWithinTolerance) {
  GeluSpec s;
  s.sqrt_2_over_pi = 0.79788f;  // five digits, as some exporters write it
  const ir::Graph g = gelu_graph(s);
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 2), 1e-5, 2e-5);
  expect_gelu(o);
}

TEST(FuseGeluTanh, NoFusionWhenAConstantDiffers) {
  std::vector<GeluSpec> cases(7);
  cases[0].sqrt_2_over_pi = 0.8f;
  cases[1].cubic = 0.05f;
  cases[2].exponent = 2.f;
  cases[3].half = 0.6f;
  cases[4].one = 2.f;
  cases[5].tanh_is_output = true;
  cases[6].cubic = 0.044715f * 1.01f;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "case " << i);
    const ir::Graph g = gelu_graph(cases[i]);
    auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 3));
    EXPECT_EQ(o.after, o.before);
    EXPECT_EQ(count_of(o.after, "Tanh"), 1);
  }
}

TEST(FuseGeluTanh, JoinsTheGemmEpilogue) {
  GeluSpec s;
  s.matmul = true;
  const ir::Graph g = gelu_graph(s);
  auto o = test::expect_rewrite_preserves_outputs(g, {}, test::random_inputs(g, 4));
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
  const ir::Node* gemm = test::find_op(o.graph, "FusedGemm", "lacuna");
  ASSERT_NE(gemm, nullptr);
  EXPECT_EQ(gemm->attr_string("activation", ""), "gelu_tanh");
  // Without the GELU fusion, the GEMM keeps its bias but no activation.
  auto partial = test::optimize(g, {"fuse_gemm_bias", "fuse_gemm_activation"});
  EXPECT_EQ(count_of(partial.after, "lacuna:FusedGemm"), 1);
  EXPECT_EQ(count_of(partial.after, "Tanh"), 1);
}

}  // namespace
}  // namespace lacuna
