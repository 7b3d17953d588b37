// Convolution passes: fold_batchnorm, fuse_conv_residual and fuse_conv_activation rewrite the
// graph as intended and keep its results.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

constexpr int64_t kK = 4;  // output channels

// x[1,3,8,8] -> Conv(3x3, pad 1) -> [1,4,8,8]
ir::ValueId conv(ir::GraphBuilder& b, ir::ValueId x, bool bias, uint64_t seed = 1) {
  std::vector<ir::ValueId> in = {x, b.constant(b.graph().unique_name("W"), test::random_tensor(DType::kFloat32, {kK, 3, 3, 3}, seed))};
  if (bias) in.push_back(b.constant(b.graph().unique_name("B"), test::random_tensor(DType::kFloat32, {kK}, seed + 1)));
  return b.op("Conv", in, {{"pads", Attribute::of_ints({1, 1, 1, 1})}, {"kernel_shape", Attribute::of_ints({3, 3})}});
}

ir::ValueId image(ir::GraphBuilder& b, const std::string& name = "x", int64_t channels = 3) {
  return b.input(name, DType::kFloat32, {{1, ""}, {channels, ""}, {8, ""}, {8, ""}});
}

ir::ValueId batchnorm(ir::GraphBuilder& b, ir::ValueId x) {
  auto c = [&](const char* n, uint64_t seed, double lo, double hi) {
    return b.constant(b.graph().unique_name(n), test::random_tensor(DType::kFloat32, {kK}, seed, lo, hi));
  };
  return b.op("BatchNormalization", {x, c("scale", 31, 0.5, 1.5), c("beta", 32, -1, 1), c("mean", 33, -1, 1),
                                     c("var", 34, 0.2, 2.0)},
              {{"epsilon", Attribute::of_float(1e-3f)}});
}

TEST(FoldBatchNorm, FoldsIntoConvWithAndWithoutBias) {
  for (bool bias : {true, false}) {
    ir::GraphBuilder b(17);
    b.output(batchnorm(b, conv(b, image(b), bias)), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {"fold_batchnorm"}, test::random_inputs(g, 2), 1e-4, 1e-5);
    EXPECT_EQ(o.before, (test::OpCounts{{"BatchNormalization", 1}, {"Conv", 1}}));
    EXPECT_EQ(o.after, (test::OpCounts{{"Conv", 1}})) << "bias " << bias;
    EXPECT_EQ(test::find_op(o.graph, "Conv")->inputs.size(), 3u);
  }
}

TEST(FoldBatchNorm, KeepsBatchNormWhenTheConvOutputIsAlsoRead) {
  ir::GraphBuilder b(17);
  auto c = conv(b, image(b), true);
  b.output(batchnorm(b, c), "y");
  b.output(c, "conv_out");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fold_batchnorm"}, test::random_inputs(g, 3));
  EXPECT_EQ(o.after, o.before);
}

TEST(FuseConvResidual, AddOfSameShapedTensor) {
  ir::GraphBuilder b(17);
  auto x = image(b);
  auto z = image(b, "z", kK);
  b.output(b.op("Add", {z, conv(b, x, true)}), "y");  // residual on the left
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_conv_residual"}, test::random_inputs(g, 4), 1e-5, 1e-5);
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedConv", 1}}));
  const ir::Node* fc = test::find_op(o.graph, "FusedConv", "lacuna");
  ASSERT_NE(fc, nullptr);
  ASSERT_EQ(fc->inputs.size(), 4u);
  EXPECT_EQ(o.graph.value(fc->inputs[3]).name, "z");
}

TEST(FuseConvResidual, KeepsBroadcastingAdd) {
  ir::GraphBuilder b(17);
  auto x = image(b);
  auto z = b.input("z", DType::kFloat32, {{1, ""}, {kK, ""}, {1, ""}, {1, ""}});
  b.output(b.op("Add", {conv(b, x, true), z}), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_conv_residual"}, test::random_inputs(g, 5));
  EXPECT_EQ(o.after, o.before);
}

TEST(FuseConvActivation, EachActivation) {
  struct Case {
    const char* op;
    ir::Attributes attrs;
    std::vector<float> clip;  // Clip bounds (inputs from opset 11)
    const char* want;
  };
  const std::vector<Case> cases = {
      {"Relu", {}, {}, "relu"},
      {"Sigmoid", {}, {}, "sigmoid"},
      {"Tanh", {}, {}, "tanh"},
      {"HardSwish", {}, {}, "hardswish"},
      {"LeakyRelu", {{"alpha", Attribute::of_float(0.2f)}}, {}, "leaky_relu"},
      {"Clip", {}, {0.f, 6.f}, "relu6"},
      {"Clip", {}, {-0.5f, 0.5f}, "clip"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    ir::GraphBuilder b(17);
    std::vector<ir::ValueId> in = {conv(b, image(b), true)};
    for (float v : c.clip) in.push_back(b.constant(b.graph().unique_name("bound"), Tensor::scalar<float>(v)));
    b.output(b.op(c.op, in, c.attrs), "y");
    const ir::Graph g = b.finish();
    auto o = test::expect_rewrite_preserves_outputs(g, {"fuse_conv_activation"}, test::random_inputs(g, 6), 1e-5, 1e-5);
    EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedConv", 1}}));
    const ir::Node* fc = test::find_op(o.graph, "FusedConv", "lacuna");
    ASSERT_NE(fc, nullptr);
    EXPECT_EQ(fc->attr_string("activation", ""), c.want);
  }
}

TEST(FuseConvActivation, ResidualThenActivationBecomeOneNode) {
  ir::GraphBuilder b(17);
  auto x = image(b);
  auto z = image(b, "z", kK);
  b.output(b.op("Relu", {b.op("Add", {batchnorm(b, conv(b, x, false)), z})}), "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {"fold_batchnorm", "fuse_conv_residual", "fuse_conv_activation"},
                                                  test::random_inputs(g, 7), 1e-4, 1e-5);
  EXPECT_EQ(o.after, (test::OpCounts{{"lacuna:FusedConv", 1}}));
  const ir::Node* fc = test::find_op(o.graph, "FusedConv", "lacuna");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->inputs.size(), 4u);
  EXPECT_EQ(fc->attr_string("activation", ""), "relu");
  // Activation without the residual pass: the Add stays between the conv and the Relu.
  auto o2 = test::optimize(g, {"fuse_conv_activation"});
  EXPECT_EQ(o2.after, o2.before);
}

}  // namespace
}  // namespace lacuna
