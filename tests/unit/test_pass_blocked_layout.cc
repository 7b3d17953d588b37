// blocked_layout: dense CNN regions move to the channel-blocked layout with reorders only at their
// edges, sparse and isolated convolutions stay NCHW, and results do not change.
#include <gtest/gtest.h>

#include "core/cpu.h"
#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

ir::ValueId conv(ir::GraphBuilder& b, ir::ValueId x, int64_t c, int64_t k, int64_t ksize, uint64_t seed,
                 int64_t stride = 1) {
  const int64_t pad = ksize / 2;
  const ir::ValueId w = b.constant(b.graph().unique_name("W"), test::random_tensor(DType::kFloat32, {k, c, ksize, ksize}, seed));
  const ir::ValueId bias = b.constant(b.graph().unique_name("B"), test::random_tensor(DType::kFloat32, {k}, seed + 1));
  return b.op("Conv", {x, w, bias},
              {{"pads", Attribute::of_ints({pad, pad, pad, pad})}, {"strides", Attribute::of_ints({stride, stride})}});
}

// image -> conv 3x3 (plain input) -> relu -> maxpool -> conv 1x1 -> add(pool) -> relu -> GAP -> flatten -> gemm
ir::Graph resnet_like(int64_t channels) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{2, ""}, {3, ""}, {16, ""}, {16, ""}});
  const ir::ValueId c1 = b.op("Relu", {conv(b, x, 3, channels, 3, 1)});
  const ir::ValueId p = b.op("MaxPool", {c1}, {{"kernel_shape", Attribute::of_ints({3, 3})}, {"strides", Attribute::of_ints({2, 2})},
                                               {"pads", Attribute::of_ints({1, 1, 1, 1})}});
  const ir::ValueId c2 = conv(b, p, channels, channels, 1, 5);
  const ir::ValueId r = b.op("Relu", {b.op("Add", {c2, p})});
  const ir::ValueId gap = b.op("GlobalAveragePool", {r});
  const ir::ValueId flat = b.op("Flatten", {gap});
  const ir::ValueId fc = b.constant("fc", test::random_tensor(DType::kFloat32, {channels, 10}, 9));
  b.output(b.op("MatMul", {flat, fc}), "logits");
  return b.finish();
}

TEST(BlockedLayout, ResNetLikeRegionWithReordersOnlyAtItsEdge) {
  for (int64_t block : {16, 8}) {
    for (int64_t channels : {16, 20}) {
      SCOPED_TRACE("block " + std::to_string(block) + " channels " + std::to_string(channels));
      const ir::Graph g = resnet_like(channels);
      test::PassSettings s;
      s.channel_block = block;
      auto o = test::expect_rewrite_preserves_outputs(g, {"blocked_layout"}, test::random_inputs(g, 3), 1e-4, 1e-5, 1e-4, s);
      EXPECT_EQ(count_of(o.after, "lacuna:BlockedConv"), 2);
      EXPECT_EQ(count_of(o.after, "lacuna:BlockedPool"), 2);  // MaxPool and GlobalAveragePool
      EXPECT_EQ(count_of(o.after, "lacuna:ToBlocked"), 0);    // the first conv reads the 3-channel image as is
      EXPECT_EQ(count_of(o.after, "lacuna:FromBlocked"), 1);  // before Flatten
      EXPECT_EQ(count_of(o.after, "Add"), 1);
      EXPECT_EQ(count_of(o.after, "Relu"), 2);
      EXPECT_EQ(test::find_op(o.graph, "BlockedConv", "lacuna")->attr_int("src_plain", 0), 1);
    }
  }
}

// stem 3x3 s2 (plain input) + relu6 -> depthwise 3x3 + relu6 -> 1x1 + residual -> avg pool (ceil)
// -> 3x3 s2 -> global max pool: the fused epilogues, depthwise and every pooling kind.
ir::Graph mobilenet_like(int64_t channels) {
  ir::GraphBuilder b(19);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{2, ""}, {3, ""}, {17, ""}, {19, ""}});
  auto clip6 = [&](ir::ValueId v) {
    return b.op("Clip", {v, b.constant(b.graph().unique_name("lo"), Tensor::scalar(0.f)),
                         b.constant(b.graph().unique_name("hi"), Tensor::scalar(6.f))});
  };
  const ir::ValueId stem = clip6(conv(b, x, 3, channels, 3, 21, 2));
  const ir::ValueId dw_w = b.constant("dw_w", test::random_tensor(DType::kFloat32, {channels, 1, 3, 3}, 23));
  const ir::ValueId dw = clip6(b.op("Conv", {stem, dw_w}, {{"pads", Attribute::of_ints({1, 1, 1, 1})},
                                                           {"group", Attribute::of_int(channels)}}));
  const ir::ValueId res = b.op("Add", {conv(b, dw, channels, channels, 1, 25), stem});
  const ir::ValueId avg = b.op("AveragePool", {res}, {{"kernel_shape", Attribute::of_ints({2, 2})},
                                                      {"strides", Attribute::of_ints({2, 2})},
                                                      {"ceil_mode", Attribute::of_int(1)}});
  const ir::ValueId c3 = b.op("Relu", {conv(b, avg, channels, channels + 5, 3, 27, 2)});
  b.output(b.op("Flatten", {b.op("GlobalMaxPool", {c3})}), "y");
  return b.finish();
}

TEST(BlockedLayout, MobileNetLikeOnTheFastKernelsOfEachTier) {
  // Block 16 runs the AVX-512 kernels, block 8 the AVX2 ones (the cap makes 8 the tier's block).
  for (int64_t block : {16, 8}) {
    const Isa cap = block == 16 ? Isa::kAvx512 : Isa::kAvx2;
    if (!cpu_info().has(cap)) continue;
    const Isa before = cpu_info().isa;
    set_max_isa(cap);
    for (int64_t channels : {16, 20}) {
      SCOPED_TRACE("block " + std::to_string(block) + " channels " + std::to_string(channels));
      const ir::Graph g = mobilenet_like(channels);
      test::PassSettings s;
      s.channel_block = block;
      auto o = test::expect_rewrite_preserves_outputs(
          g, {"fuse_conv_residual", "fuse_conv_activation", "blocked_layout"}, test::random_inputs(g, 6), 1e-4, 1e-5,
          1e-4, s);
      EXPECT_EQ(count_of(o.after, "lacuna:BlockedConv"), 4);
      EXPECT_EQ(count_of(o.after, "lacuna:BlockedPool"), 2);
      EXPECT_EQ(count_of(o.after, "lacuna:ToBlocked"), 0);
      EXPECT_EQ(count_of(o.after, "lacuna:FromBlocked"), 1);
    }
    set_max_isa(before);
  }
}

TEST(BlockedLayout, SparseConvolutionsStayNchwBehindReorders) {
  const ir::Graph g = resnet_like(16);
  test::PassSettings s;
  s.channel_block = 16;
  // The 1x1 convolution "runs sparse": it keeps NCHW, reading a reorder of the pool's output; the
  // Add that follows it is fed from outside the region, so it stays NCHW too.
  s.conv_runs_sparse = [](const ir::Graph& graph, const ir::Node& n) {
    return graph.value(n.inputs[1]).constant.shape()[2] == 1;
  };
  auto o = test::expect_rewrite_preserves_outputs(g, {"blocked_layout"}, test::random_inputs(g, 4), 1e-4, 1e-5, 1e-4, s);
  EXPECT_EQ(count_of(o.after, "Conv"), 1);
  EXPECT_EQ(count_of(o.after, "lacuna:BlockedConv"), 1);
  EXPECT_EQ(count_of(o.after, "lacuna:BlockedPool"), 1);  // MaxPool; GAP reads the NCHW Relu
  EXPECT_EQ(count_of(o.after, "lacuna:FromBlocked"), 1);  // the pool's output, read by Conv and Add
  EXPECT_EQ(count_of(o.after, "lacuna:ToBlocked"), 0);
}

TEST(BlockedLayout, IsolatedConvolutionAndDisabledPassChangeNothing) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{1, ""}, {8, ""}, {6, ""}, {6, ""}});
  const ir::ValueId c = conv(b, b.op("Softmax", {x}, {{"axis", Attribute::of_int(1)}}), 8, 8, 3, 7);
  b.output(b.op("Softmax", {c}, {{"axis", Attribute::of_int(1)}}), "y");
  const ir::Graph g = b.finish();
  test::PassSettings s;
  s.channel_block = 16;
  auto o = test::optimize(g, {"blocked_layout"}, s);
  EXPECT_EQ(o.after, o.before);
  auto off = test::optimize(resnet_like(16), {"blocked_layout"});  // channel_block 0
  EXPECT_EQ(off.after, off.before);
}

TEST(BlockedLayout, GraphOutputInsideTheRegionKeepsItsName) {
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{1, ""}, {16, ""}, {8, ""}, {8, ""}});
  const ir::ValueId c1 = conv(b, x, 16, 24, 3, 11);
  b.output(c1, "features");
  b.output(b.op("Relu", {conv(b, c1, 24, 24, 3, 13, 2)}), "y");
  const ir::Graph g = b.finish();
  test::PassSettings s;
  s.channel_block = 16;
  auto o = test::expect_rewrite_preserves_outputs(g, {"blocked_layout"}, test::random_inputs(g, 5), 1e-4, 1e-5, 1e-4, s);
  EXPECT_EQ(count_of(o.after, "lacuna:ToBlocked"), 1);  // 16 input channels: reordered, not read plain
  EXPECT_EQ(count_of(o.after, "lacuna:FromBlocked"), 2);
  ASSERT_EQ(o.graph.outputs.size(), 2u);
  EXPECT_EQ(o.graph.value(o.graph.outputs[0]).name, "features");
  EXPECT_EQ(*o.graph.value(o.graph.outputs[0]).shape, (Shape{1, 24, 8, 8}));
}

}  // namespace
}  // namespace lacuna
