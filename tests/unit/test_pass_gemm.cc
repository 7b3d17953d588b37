// Transformer passes that existed before their tests: fuse_gelu (erf form), fuse_gemm_bias,
// fuse_gemm_residual, fuse_gemm_activation and fuse_attention.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>

#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

ir::ValueId scalar(ir::GraphBuilder& b, float v) {
  return b.constant(b.graph().unique_name("c"), Tensor::scalar<float>(v));
}

// 0.5 * x * (1 + erf(x / sqrt 2)), dividing or multiplying by the reciprocal.
ir::ValueId erf_gelu(ir::GraphBuilder& b, ir::ValueId x, bool div, float root2 = 1.41421356f) {
  auto scaled = div ? b.op("Div", {x, scalar(b, root2)}) : b.op("Mul", {x, scalar(b, 1.f / root2)});
  auto one_plus = b.op("Add", {b.op("Erf", {scaled}), scalar(b, 1.f)});
  return b.op("Mul", {b.op("Mul", {x, one_plus}), scalar(b, 0.5f)});
}

// a[6,12] @ W[12,10] (+ bias[10])
ir::ValueId linear(ir::GraphBuilder& b, ir::ValueId a, bool bias, int64_t k = 12, int64_t n = 10, uint64_t seed = 1) {
  auto y = b.op("MatMul", {a, b.constant(b.graph().unique_name("W"), test::random_tensor(DType::kFloat32, {k, n}, seed))});
  if (!bias) return y;
  return b.op("Add", {y, b.constant(b.graph().unique_name("bias"), test::random_tensor(DType::kFloat32, {n}, seed + 1))});
}

TEST(FuseGelu, ErfFormBothSpellings) {
  for (bool div : {true, false}) {
    ir::GraphBuilder b(17);
    auto x = b.input("x", DType::kFloat32, {{4, ""}, {9, ""}});
    b.output(erf_gelu(b, x, div), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gelu"}, test::random_inputs(g, 1));
    EXPECT_EQ(o.after, (test::OpCounts{{"com.microsoft:Gelu", 1}})) << "div " << div;
    EXPECT_EQ(test::find_op(o.graph, "Gelu", "com.microsoft")->attr_string("approximate", "none"), "none");
  }
}

TEST(FuseGelu, NoFusionWithAnotherDivisor) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{4, ""}, {9, ""}});
  b.output(erf_gelu(b, x, true, 1.5f), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gelu"}, test::random_inputs(g, 2));
  EXPECT_EQ(o.after, o.before);
}

TEST(FuseGemmBias, MatMulPlusBiasAndGemm) {
  {
    ir::GraphBuilder b(17);
    b.output(linear(b, b.input("a", DType::kFloat32, {{6, ""}, {12, ""}}), true), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias"}, test::random_inputs(g, 3));
    EXPECT_EQ(o.before, (test::OpCounts{{"Add", 1}, {"MatMul", 1}}));
    EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
    const ir::Node* fg = test::find_op(o.graph, "FusedGemm", "lacuna");
    ASSERT_NE(fg, nullptr);
    ASSERT_TRUE(fg->has_input(2));
    EXPECT_EQ(o.graph.value(fg->inputs[2]).constant.shape(), Shape({10}));
  }
  {
    // Gemm with transB and alpha, no bias: becomes a FusedGemm on its own.
    ir::GraphBuilder b(17);
    auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
    auto w = b.constant("W", test::random_tensor(DType::kFloat32, {10, 12}, 4));
    b.output(b.op("Gemm", {a, w}, {{"transB", Attribute::of_int(1)}, {"alpha", Attribute::of_float(0.5f)}}), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias"}, test::random_inputs(g, 5));
    EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
    const ir::Node* fg = test::find_op(o.graph, "FusedGemm", "lacuna");
    EXPECT_EQ(fg->attr_int("transB", 0), 1);
    EXPECT_FLOAT_EQ(fg->attr_float("alpha", 0.f), 0.5f);
  }
}

TEST(FuseGemmBias, KeepsRunTimeWeightsAndPlainMatMul) {
  ir::GraphBuilder b(17);
  auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
  auto w = b.input("w", DType::kFloat32, {{12, ""}, {10, ""}});
  auto bias = b.constant("bias", test::random_tensor(DType::kFloat32, {10}, 6));
  b.output(b.op("Add", {b.op("MatMul", {a, w}), bias}), "y");
  b.output(linear(b, a, false), "plain");  // MatMul with no bias stays a MatMul
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias"}, test::random_inputs(g, 7));
  EXPECT_EQ(o.after, o.before);
}

TEST(FuseGemmResidual, AddsTheResidualInput) {
  ir::GraphBuilder b(17);
  auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
  auto z = b.input("z", DType::kFloat32, {{6, ""}, {10, ""}});
  b.output(b.op("Add", {z, linear(b, a, true)}), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias", "fuse_gemm_residual"}, test::random_inputs(g, 8));
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
  const ir::Node* fg = test::find_op(o.graph, "FusedGemm", "lacuna");
  ASSERT_NE(fg, nullptr);
  ASSERT_EQ(fg->inputs.size(), 4u);
  EXPECT_EQ(o.graph.value(fg->inputs[3]).name, "z");
  // Alone, the residual pass has no FusedGemm to extend.
  auto alone = test::optimize(g, {"fuse_gemm_residual"});
  EXPECT_EQ(alone.after, alone.before);
}

TEST(FuseGemmActivation, ReluTanhSigmoidAndGelu) {
  for (const char* act : {"Relu", "Tanh", "Sigmoid", "Gelu"}) {
    SCOPED_TRACE(act);
    ir::GraphBuilder b(17);
    auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
    auto h = linear(b, a, true);
    b.output(std::string(act) == "Gelu" ? erf_gelu(b, h, true) : b.op(act, {h}), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {}, test::random_inputs(g, 9));
    EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
    const ir::Node* fg = test::find_op(o.graph, "FusedGemm", "lacuna");
    ASSERT_NE(fg, nullptr);
    std::string want = act;
    for (char& ch : want) ch = static_cast<char>(std::tolower(ch));
    EXPECT_EQ(fg->attr_string("activation", ""), want);
  }
}

TEST(FuseGemmActivation, BiasResidualActivationInOneNode) {
  ir::GraphBuilder b(17);
  auto a = b.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
  auto z = b.input("z", DType::kFloat32, {{6, ""}, {10, ""}});
  b.output(b.op("Relu", {b.op("Add", {linear(b, a, true), z})}), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias", "fuse_gemm_residual", "fuse_gemm_activation"},
                                                  test::random_inputs(g, 10));
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
  const ir::Node* fg = test::find_op(o.graph, "FusedGemm", "lacuna");
  EXPECT_EQ(fg->inputs.size(), 4u);
  EXPECT_EQ(fg->attr_string("activation", ""), "relu");
  // An activation whose input is also a graph output stays separate.
  ir::GraphBuilder b2(17);
  auto a2 = b2.input("a", DType::kFloat32, {{6, ""}, {12, ""}});
  auto h = linear(b2, a2, true);
  b2.output(b2.op("Relu", {h}), "y");
  b2.output(h, "h");
  const ir::Graph g2 = b2.finish();
  auto o2 = test::expect_rewrite_preserves_outputs(g2, {"fuse_gemm_bias", "fuse_gemm_activation"},
                                                   test::random_inputs(g2, 11));
  EXPECT_EQ(o2.after, (test::OpCounts{{"Relu", 1}, {"lacuna:FusedGemm", 1}}));
}

// BERT-style self-attention over h[B=2, S=5, E=8] with H=2 heads of D=4, as PyTorch exports it.
// `decomposed_softmax` spells the Softmax out as Exp/ReduceSum/Div.
ir::Graph attention_graph(bool decomposed_softmax) {
  constexpr int64_t B = 2, S = 5, H = 2, D = 4, E = H * D;
  ir::GraphBuilder b(17);
  auto h = b.input("h", DType::kFloat32, {{B, ""}, {S, ""}, {E, ""}});
  auto mask = b.input("mask", DType::kFloat32, {{B, ""}, {1, ""}, {1, ""}, {S, ""}});
  auto split = b.constant("split_shape", Tensor::from_vector<int64_t>({4}, {B, S, H, D}));
  auto merge = b.constant("merge_shape", Tensor::from_vector<int64_t>({3}, {B, S, E}));
  auto perm = [](std::vector<int64_t> p) { return ir::Attributes{{"perm", Attribute::of_ints(std::move(p))}}; };
  auto heads = [&](uint64_t seed, std::vector<int64_t> p) {
    return b.op("Transpose", {b.op("Reshape", {linear(b, h, true, E, E, seed), split})}, perm(std::move(p)));
  };
  auto q = heads(1, {0, 2, 1, 3});
  auto kt = heads(3, {0, 2, 3, 1});
  auto v = heads(5, {0, 2, 1, 3});
  auto scores = b.op("Add", {b.op("Div", {b.op("MatMul", {q, kt}), scalar(b, 2.f)}), mask});
  ir::ValueId probs;
  if (decomposed_softmax) {
    auto e = b.op("Exp", {b.op("Sub", {scores, b.op("ReduceMax", {scores}, {{"axes", Attribute::of_ints({-1})}})})});
    probs = b.op("Div", {e, b.op("ReduceSum", {e, b.constant("axes", Tensor::from_vector<int64_t>({1}, {-1}))})});
  } else {
    probs = b.op("Softmax", {scores}, {{"axis", Attribute::of_int(-1)}});
  }
  auto ctx = b.op("Transpose", {b.op("MatMul", {probs, v})}, perm({0, 2, 1, 3}));
  b.output(b.op("Reshape", {ctx, merge}), "out");
  return b.finish();
}

std::vector<Tensor> attention_inputs(const ir::Graph& g) {
  std::vector<Tensor> in = test::random_inputs(g, 12);
  // Mask out the last key of the second batch, as a padding mask does.
  for (int64_t s = 0; s < 5; ++s) in[1].data<float>()[s] = 0.f;
  for (int64_t s = 5; s < 10; ++s) in[1].data<float>()[s] = s == 9 ? -10000.f : 0.f;
  return in;
}

TEST(FuseAttention, BertStyleBlock) {
  const ir::Graph g = attention_graph(false);
  auto alone = test::expect_rewrite_preserves_outputs(g, {"fuse_attention"}, attention_inputs(g));
  EXPECT_EQ(alone.after, (test::OpCounts{{"Add", 3}, {"MatMul", 3}, {"lacuna:Attention", 1}}));
  const ir::Node* at = test::find_op(alone.graph, "Attention", "lacuna");
  ASSERT_NE(at, nullptr);
  EXPECT_EQ(at->attr_int("num_heads", 0), 2);
  EXPECT_FLOAT_EQ(at->attr_float("scale", 0.f), 0.5f);
  auto all = test::expect_rewrite_preserves_outputs(g, {}, attention_inputs(g));
  EXPECT_EQ(all.after, (test::OpCounts{{"lacuna:Attention", 1}, {"lacuna:FusedGemm", 3}}));
}

TEST(FuseAttention, AfterSoftmaxFusion) {
  const ir::Graph g = attention_graph(true);
  auto all = test::expect_rewrite_preserves_outputs(g, {}, attention_inputs(g));
  EXPECT_EQ(all.after, (test::OpCounts{{"lacuna:Attention", 1}, {"lacuna:FusedGemm", 3}}));
  // Without fuse_softmax there is no Softmax for the attention pass to start from.
  auto no_softmax = test::optimize(g, {"fuse_attention"});
  EXPECT_EQ(no_softmax.after, no_softmax.before);
}

TEST(FuseAttention, KeepsBlocksWithAnExtraReader) {
  // The attention probabilities are also returned: nothing may be fused away.
  ir::Graph g = attention_graph(false);
  for (const ir::Node& n : g.nodes) {
    if (n.op_type == "Softmax") g.outputs.push_back(n.outputs[0]);
  }
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_attention"}, attention_inputs(g));
  EXPECT_EQ(o.after, o.before);
}

}  // namespace
}  // namespace lacuna
