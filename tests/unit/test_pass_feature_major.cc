// feature_major_layout: a transformer block whose linear layers run sparse moves to channels-first
// [batch, hidden, tokens] with conversions only at the region's edge, and results do not change.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

ir::ValueId linear(ir::GraphBuilder& b, ir::ValueId x, int64_t k, int64_t n, uint64_t seed) {
  const ir::ValueId w =
      b.constant(b.graph().unique_name("W"), test::sparsify(test::random_tensor(DType::kFloat32, {k, n}, seed), 0.8, seed));
  const ir::ValueId bias = b.constant(b.graph().unique_name("B"), test::random_tensor(DType::kFloat32, {n}, seed + 1));
  return b.op("Add", {b.op("MatMul", {x, w}), bias});
}

ir::ValueId layer_norm(ir::GraphBuilder& b, ir::ValueId x, int64_t e, uint64_t seed) {
  const ir::ValueId g = b.constant(b.graph().unique_name("G"), test::random_tensor(DType::kFloat32, {e}, seed, 0.5, 1.5));
  const ir::ValueId beta = b.constant(b.graph().unique_name("Bt"), test::random_tensor(DType::kFloat32, {e}, seed + 1));
  return b.op("LayerNormalization", {x, g, beta}, {{"epsilon", Attribute::of_float(1e-5f)}});
}

// x [B, T, E] -> attention(linear q, k, v) -> linear + x -> LN -> linear, relu -> linear + LN1 -> LN -> y
ir::Graph encoder_block(int64_t batch, int64_t tokens, int64_t hidden, int64_t heads) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{batch, ""}, {tokens, ""}, {hidden, ""}});
  const ir::ValueId q = linear(b, x, hidden, hidden, 1);
  const ir::ValueId k = linear(b, x, hidden, hidden, 3);
  const ir::ValueId v = linear(b, x, hidden, hidden, 5);
  const auto att = b.node("Attention", {q, k, v},
                          {{"num_heads", Attribute::of_int(heads)}, {"scale", Attribute::of_float(0.25f)}}, 1, "",
                          "lacuna")[0];
  const ir::ValueId o = b.op("Add", {linear(b, att, hidden, hidden, 7), x});
  const ir::ValueId ln1 = layer_norm(b, o, hidden, 9);
  const ir::ValueId h = b.op("Relu", {linear(b, ln1, hidden, 2 * hidden, 11)});
  const ir::ValueId f = b.op("Add", {linear(b, h, 2 * hidden, hidden, 13), ln1});
  b.output(layer_norm(b, f, hidden, 15), "y");
  return b.finish();
}

const std::vector<std::string> kPasses = {"fuse_gemm_bias", "fuse_gemm_residual", "fuse_gemm_activation",
                                          "feature_major_layout"};

TEST(FeatureMajorLayout, EncoderBlockWithSparseLinearsGoesChannelsFirst) {
  for (int64_t tokens : {7, 16, 33}) {
    SCOPED_TRACE("tokens " + std::to_string(tokens));
    const ir::Graph g = encoder_block(2, tokens, 32, 4);
    test::PassSettings s;
    s.gemm_runs_sparse = [](const ir::Graph&, const ir::Node&) { return true; };
    auto o = test::expect_rewrite_preserves_outputs(g, kPasses, test::random_inputs(g, 3), 1e-4, 1e-5, 1e-4, s);
    EXPECT_EQ(count_of(o.after, "lacuna:FusedConv"), 6);
    EXPECT_EQ(count_of(o.after, "lacuna:FusedGemm"), 0);
    EXPECT_EQ(count_of(o.after, "lacuna:LayerNormChannels"), 2);
    EXPECT_EQ(count_of(o.after, "LayerNormalization"), 0);
    EXPECT_EQ(count_of(o.after, "lacuna:ToFeatureMajor"), 1);    // the graph input
    EXPECT_EQ(count_of(o.after, "lacuna:FromFeatureMajor"), 1);  // the graph output
    const ir::Node* att = test::find_op(o.graph, "Attention", "lacuna");
    ASSERT_NE(att, nullptr);
    EXPECT_EQ(att->attr_int("feature_major", 0), 1);
    EXPECT_EQ(att->attr_int("tokens", 0), tokens);
    const ir::Node* to = test::find_op(o.graph, "ToFeatureMajor", "lacuna");
    const int64_t padded = to->attr_int("padded", 0);
    EXPECT_GE(padded, tokens);
    EXPECT_EQ(padded % 16, 0);
    EXPECT_EQ((padded / 16) % 2, 1);  // an odd number of cache lines per row
  }
}

TEST(FeatureMajorLayout, DenseLinearsOrNoSettingChangeNothing) {
  const ir::Graph g = encoder_block(1, 8, 16, 2);
  auto unset = test::optimize(g, kPasses);
  EXPECT_EQ(count_of(unset.after, "lacuna:ToFeatureMajor"), 0);
  test::PassSettings s;
  s.gemm_runs_sparse = [](const ir::Graph&, const ir::Node&) { return false; };
  auto dense = test::optimize(g, kPasses, s);
  EXPECT_EQ(count_of(dense.after, "lacuna:ToFeatureMajor"), 0);
  EXPECT_EQ(count_of(dense.after, "lacuna:FusedConv"), 0);
  EXPECT_EQ(count_of(dense.after, "LayerNormalization"), 2);
}

}  // namespace
}  // namespace lacuna
