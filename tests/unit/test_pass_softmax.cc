// fuse_softmax: Exp(x - ReduceMax(x)) / ReduceSum(...) over one axis (and the form without the
// max subtraction) becomes Softmax with that axis; other spellings are left alone.
#include <gtest/gtest.h>

#include "ir/builder.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

struct SmSpec {
  int64_t opset = 17;  // ReduceSum reads axes from an input from 13, ReduceMax from 18
  bool max = true;
  int64_t max_axis = -1, sum_axis = -1;
  std::vector<int64_t> sum_axes = {};  // overrides sum_axis when set
  bool swap_div = false;          // sum / e instead of e / sum
  bool exp_is_output = false;
};

ir::Graph softmax_graph(const SmSpec& s) {
  ir::GraphBuilder b(s.opset);
  auto x = b.input("x", DType::kFloat32, {{2, ""}, {3, ""}, {7, ""}});
  auto reduce = [&](const char* op, ir::ValueId in, std::vector<int64_t> axes) {
    const bool axes_input = s.opset >= (std::string(op) == "ReduceSum" ? 13 : 18);
    if (axes_input) {
      const auto n = static_cast<int64_t>(axes.size());
      return b.op(op, {in, b.constant(b.graph().unique_name("axes"), Tensor::from_vector<int64_t>({n}, axes))});
    }
    return b.op(op, {in}, {{"axes", Attribute::of_ints(axes)}});
  };
  ir::ValueId in = x;
  if (s.max) in = b.op("Sub", {x, reduce("ReduceMax", x, {s.max_axis})});
  auto e = b.op("Exp", {in});
  auto sum = reduce("ReduceSum", e, s.sum_axes.empty() ? std::vector<int64_t>{s.sum_axis} : s.sum_axes);
  b.output(s.swap_div ? b.op("Div", {sum, e}) : b.op("Div", {e, sum}), "y");
  if (s.exp_is_output) b.output(e, "e");
  return b.finish();
}

const std::vector<std::string> kPass = {"fuse_softmax"};

// x in [-2, 2] plus a large offset on some inputs would be the overflow case; the reference
// decomposition subtracts the max so both stay finite.
std::vector<Tensor> inputs(const ir::Graph& g, uint64_t seed) { return test::random_inputs(g, seed); }

TEST(FuseSoftmax, WithMaxSubtractionLastAxis) {
  for (int64_t opset : {11, 13, 18}) {
    const ir::Graph g = softmax_graph({.opset = opset});
    auto o = test::expect_rewrite_preserves_outputs(g, kPass, inputs(g, 1));
    EXPECT_EQ(count_of(o.after, "Softmax"), 1) << "opset " << opset;
    EXPECT_EQ(o.after.size(), 1u) << "opset " << opset;
    EXPECT_EQ(test::find_op(o.graph, "Softmax")->attr_int("axis", 0), 2);
  }
}

TEST(FuseSoftmax, InnerAxisAndNoMax) {
  const ir::Graph g = softmax_graph({.opset = 18, .max = false, .sum_axis = 1});
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, inputs(g, 2));
  EXPECT_EQ(o.after, (test::OpCounts{{"Softmax", 1}}));
  EXPECT_EQ(test::find_op(o.graph, "Softmax")->attr_int("axis", -1), 1);
  const ir::Graph g2 = softmax_graph({.opset = 13, .max_axis = 0, .sum_axis = -3});
  auto o2 = test::expect_rewrite_preserves_outputs(g2, kPass, inputs(g2, 3));
  EXPECT_EQ(o2.after, (test::OpCounts{{"Softmax", 1}}));
  EXPECT_EQ(test::find_op(o2.graph, "Softmax")->attr_int("axis", -1), 0);
}

TEST(FuseSoftmax, MaxOverAnotherAxisStaysOutside) {
  // Exp/ReduceSum/Div still fuse (Softmax of x - m equals Softmax of x); the Sub of a max over a
  // different axis is kept as the Softmax's input.
  const ir::Graph g = softmax_graph({.max_axis = 1, .sum_axis = 2});
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, inputs(g, 4));
  EXPECT_EQ(o.after, (test::OpCounts{{"ReduceMax", 1}, {"Softmax", 1}, {"Sub", 1}}));
}

TEST(FuseSoftmax, NoFusionWhenThePatternDiffers) {
  const SmSpec cases[] = {
      {.sum_axes = {1, 2}},                           // a sum over two axes
      {.swap_div = true},                             // sum / e
      {.exp_is_output = true},                        // e is also a graph output
      {.opset = 11, .max_axis = 1, .sum_axis = 1},    // opset 11 Softmax would flatten [1, 3)
  };
  for (const SmSpec& s : cases) {
    const ir::Graph g = softmax_graph(s);
    auto o = test::expect_rewrite_preserves_outputs(g, kPass, inputs(g, 5));
    EXPECT_EQ(count_of(o.after, "Softmax"), 0);
    EXPECT_EQ(o.after, o.before);
  }
}

TEST(FuseSoftmax, LargeInputsStayFinite) {
  const ir::Graph g = softmax_graph({.max = true});
  Tensor x = test::random_tensor(DType::kFloat32, {2, 3, 7}, 9, 80.0, 120.0);
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, {x});
  EXPECT_EQ(o.after, (test::OpCounts{{"Softmax", 1}}));
}

}  // namespace
}  // namespace lacuna
