// eliminate_identity and eliminate_dead_code: what they remove, what they must keep (graph
// outputs, Dropout masks), and that results do not change.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ir/builder.h"
#include "ir/verifier.h"
#include "pass_harness.h"
#include "passes/passes.h"
#include "test_util.h"

namespace lacuna {
namespace {

using test::count_of;

TEST(EliminateIdentity, RemovesIdentityAndInferenceDropoutKeepsGraphOutputs) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{3, ""}, {4, ""}});
  auto a = b.op("Identity", {x});
  auto r = b.op("Relu", {a});
  auto d = b.op("Dropout", {r});
  auto e = b.op("Exp", {d});
  b.output(b.op("Identity", {e}), "y");  // writes a graph output: must stay
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"eliminate_identity"}, test::random_inputs(g, 1));
  EXPECT_EQ(o.before, (test::OpCounts{{"Dropout", 1}, {"Exp", 1}, {"Identity", 2}, {"Relu", 1}}));
  EXPECT_EQ(o.after, (test::OpCounts{{"Exp", 1}, {"Identity", 1}, {"Relu", 1}}));
  EXPECT_EQ(o.graph.value(o.graph.outputs[0]).name, "y");
  // Relu now reads x directly.
  EXPECT_EQ(test::find_op(o.graph, "Relu")->inputs[0], o.graph.inputs[0]);
}

TEST(EliminateIdentity, KeepsDropoutWhoseMaskIsRead) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{3, ""}, {4, ""}});
  auto outs = b.node("Dropout", {x}, {}, 2);
  b.output(b.op("Relu", {outs[0]}), "y");
  b.output(outs[1], "mask");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"eliminate_identity"}, test::random_inputs(g, 2));
  EXPECT_EQ(count_of(o.after, "Dropout"), 1);
  EXPECT_EQ(o.after, o.before);
}

TEST(EliminateDeadCode, RemovesUnreadChainsAndSorts) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{3, ""}, {4, ""}});
  auto dead = b.op("Neg", {b.op("Exp", {x})});
  (void)dead;
  auto y = b.op("Relu", {b.op("Abs", {x})});
  b.output(y, "y");
  ir::Graph g = b.finish();
  // Reverse the node order: the pass must also restore a topological order.
  std::reverse(g.nodes.begin(), g.nodes.end());
  EXPECT_FALSE(ir::verify(g).is_ok());
  passes::PassContext ctx;
  auto n = passes::eliminate_dead_code(g, ctx);
  ASSERT_TRUE(n.has_value()) << n.status().to_string();
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(ir::verify(g).is_ok());
  EXPECT_EQ(test::op_counts(g), (test::OpCounts{{"Abs", 1}, {"Relu", 1}}));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "Abs");
  ASSERT_EQ(ctx.log.size(), 1u);
  EXPECT_EQ(ctx.log[0], "eliminate_dead_code: 2 dead nodes removed");
  const std::vector<Tensor> in = test::random_inputs(g, 3);
  const auto got = test::run_graph(test::shaped(g), in, /*reference_only=*/true);
  ASSERT_EQ(got.size(), 1u);
  Tensor want = Tensor(DType::kFloat32, {3, 4});
  for (int64_t i = 0; i < 12; ++i) want.data<float>()[i] = std::abs(in[0].data<float>()[i]);
  test::expect_equal(got[0], want);
}

TEST(EliminateDeadCode, RemovesWhatAFusionLeftBehind) {
  // After fuse_gemm_bias the Add node is removed and its constant bias reshaped; the dead-code
  // pass (always last) leaves only the fused node.
  ir::GraphBuilder b(17);
  auto a = b.input("a", DType::kFloat32, {{4, ""}, {6, ""}});
  auto w = b.constant("W", test::random_tensor(DType::kFloat32, {6, 5}, 4));
  auto bias = b.constant("bias", test::random_tensor(DType::kFloat32, {5}, 5));
  b.output(b.op("Add", {b.op("MatMul", {a, w}), bias}), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_gemm_bias", "eliminate_dead_code"},
                                                  test::random_inputs(g, 6));
  EXPECT_EQ(o.graph.nodes.size(), 1u);
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedGemm", 1}}));
}

}  // namespace
}  // namespace lacuna
