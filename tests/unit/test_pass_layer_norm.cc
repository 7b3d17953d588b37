// fuse_layer_norm: the decomposed LayerNorm of TF/PyTorch/HF exports becomes one
// LayerNormalization, in every accepted spelling, and is left alone when any constant differs.
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/builder.h"
#include "lacuna/session.h"
#include "onnx/export.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using test::count_of;

constexpr int64_t kC = 16;

struct LnSpec {
  int64_t opset = 17;         // 18: ReduceMean reads its axes from an input
  bool pow = true;            // Pow(d, 2) (else d * d)
  float exponent = 2.f;
  bool reciprocal = false;    // d * Reciprocal(std) (else d / std)
  bool gamma = true, beta = true;
  bool gamma_is_input = false;  // gamma a graph input instead of a constant
  bool eps_is_input = false;
  int64_t mean_axis = -1, var_axis = -1;
  float eps = 1e-5f;
  bool d_is_output = false;   // the centred x is also a graph output
  bool swap_operands = false; // constants first in Mul/Add
};

// x[2,5,16] -> decomposed LayerNorm over the last axis -> y
ir::Graph layer_norm_graph(const LnSpec& s) {
  ir::GraphBuilder b(s.opset);
  auto x = b.input("x", DType::kFloat32, {{2, ""}, {5, ""}, {kC, ""}});
  auto reduce_mean = [&](ir::ValueId in, int64_t axis) {
    if (s.opset >= 18) {
      return b.op("ReduceMean", {in, b.constant(b.graph().unique_name("axes"), Tensor::from_vector<int64_t>({1}, {axis}))});
    }
    return b.op("ReduceMean", {in}, {{"axes", Attribute::of_ints({axis})}});
  };
  auto scalar = [&](float v) { return b.constant(b.graph().unique_name("c"), Tensor::scalar<float>(v)); };
  auto binary = [&](const char* op, ir::ValueId a, ir::ValueId c) {
    return s.swap_operands && std::string(op) != "Sub" && std::string(op) != "Div" ? b.op(op, {c, a}) : b.op(op, {a, c});
  };
  auto mean = reduce_mean(x, s.mean_axis);
  auto d = b.op("Sub", {x, mean});
  auto sq = s.pow ? b.op("Pow", {d, scalar(s.exponent)}) : b.op("Mul", {d, d});
  auto var = reduce_mean(sq, s.var_axis);
  ir::ValueId eps = s.eps_is_input ? b.input("eps", DType::kFloat32, {}) : scalar(s.eps);
  auto ve = binary("Add", var, eps);
  auto std_v = b.op("Sqrt", {ve});
  auto n = s.reciprocal ? binary("Mul", d, b.op("Reciprocal", {std_v})) : b.op("Div", {d, std_v});
  ir::ValueId y = n;
  if (s.gamma) {
    ir::ValueId gamma = s.gamma_is_input ? b.input("gamma", DType::kFloat32, {{kC, ""}})
                                         : b.constant("gamma", test::random_tensor(DType::kFloat32, {kC}, 11, 0.5, 1.5));
    y = binary("Mul", y, gamma);
  }
  if (s.beta) y = binary("Add", y, b.constant("beta", test::random_tensor(DType::kFloat32, {kC}, 12)));
  b.output(y, "y");
  if (s.d_is_output) b.output(d, "centred");
  return b.finish();
}

const std::vector<std::string> kPass = {"fuse_layer_norm"};

// Expects exactly one LayerNormalization and nothing left of the decomposition.
void expect_fused(const test::Optimized& o) {
  EXPECT_EQ(count_of(o.after, "LayerNormalization"), 1);
  for (const char* op : {"ReduceMean", "Sub", "Pow", "Sqrt", "Div", "Mul", "Add", "Reciprocal"}) {
    EXPECT_EQ(count_of(o.after, op), 0) << op;
  }
}

void expect_not_fused(const test::Optimized& o) {
  EXPECT_EQ(count_of(o.after, "LayerNormalization"), 0);
  EXPECT_EQ(o.after, o.before);
}

TEST(FuseLayerNorm, PowDivGammaBeta) {
  const ir::Graph g = layer_norm_graph({});
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 1));
  EXPECT_EQ(count_of(o.before, "ReduceMean"), 2);
  expect_fused(o);
  const ir::Node* ln = test::find_op(o.graph, "LayerNormalization");
  ASSERT_NE(ln, nullptr);
  EXPECT_EQ(ln->attr_int("axis", 0), -1);
  EXPECT_FLOAT_EQ(ln->attr_float("epsilon", 0.f), 1e-5f);
  ASSERT_EQ(ln->inputs.size(), 3u);
  EXPECT_EQ(o.graph.value(ln->outputs[0]).name, "y");  // the graph output keeps its name
  ASSERT_EQ(o.log.size(), 1u);
  EXPECT_EQ(o.log[0], "fuse_layer_norm: 1 decomposed LayerNormalizations fused");
}

TEST(FuseLayerNorm, MulSelfReciprocalAxesInputSwappedOperands) {
  LnSpec s;
  s.opset = 18;
  s.pow = false;
  s.reciprocal = true;
  s.swap_operands = true;
  s.eps = 1e-12f;
  const ir::Graph g = layer_norm_graph(s);
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 2));
  expect_fused(o);
  EXPECT_FLOAT_EQ(test::find_op(o.graph, "LayerNormalization")->attr_float("epsilon", 0.f), 1e-12f);
}

TEST(FuseLayerNorm, WithoutGammaOrBeta) {
  for (int variant = 0; variant < 3; ++variant) {
    LnSpec s;
    s.gamma = variant == 1;   // 0: neither, 1: gamma only, 2: beta only
    s.beta = variant == 2;
    const ir::Graph g = layer_norm_graph(s);
    auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 3));
    expect_fused(o);
    const ir::Node* ln = test::find_op(o.graph, "LayerNormalization");
    ASSERT_NE(ln, nullptr);
    EXPECT_EQ(ln->inputs.size(), variant == 2 ? 3u : 2u) << "variant " << variant;
    // A missing gamma is ones.
    if (variant != 1) {
      const Tensor& scale = o.graph.value(ln->inputs[1]).constant;
      ASSERT_TRUE(scale.defined());
      EXPECT_EQ(scale.shape(), Shape({kC}));
      for (int64_t i = 0; i < kC; ++i) EXPECT_EQ(scale.data<float>()[i], 1.f);
    }
  }
}

TEST(FuseLayerNorm, TwoInARowAndFullPassList) {
  // y2 = LN(LN(x)): the second chain reads the first one's output; also checks the whole list.
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{2, ""}, {5, ""}, {kC, ""}});
  ir::ValueId cur = x;
  for (int k = 0; k < 2; ++k) {
    auto mean = b.op("ReduceMean", {cur}, {{"axes", Attribute::of_ints({2})}});
    auto d = b.op("Sub", {cur, mean});
    auto var = b.op("ReduceMean", {b.op("Pow", {d, b.constant("two" + std::to_string(k), Tensor::scalar<float>(2.f))})},
                    {{"axes", Attribute::of_ints({-1})}});
    auto sd = b.op("Sqrt", {b.op("Add", {var, b.constant("eps" + std::to_string(k), Tensor::scalar<float>(1e-6f))})});
    cur = b.op("Div", {d, sd});
  }
  b.output(cur, "y");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, {}, test::random_inputs(g, 4));
  EXPECT_EQ(count_of(o.after, "LayerNormalization"), 2);
  EXPECT_EQ(o.after.size(), 1u);
}

TEST(FuseLayerNorm, NonConstantGammaStaysAMul) {
  // The normalization still fuses; the Mul by a run-time gamma (and the Add after it) remain.
  LnSpec s;
  s.gamma_is_input = true;
  const ir::Graph g = layer_norm_graph(s);
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 5));
  EXPECT_EQ(count_of(o.after, "LayerNormalization"), 1);
  EXPECT_EQ(count_of(o.after, "Mul"), 1);
  EXPECT_EQ(count_of(o.after, "Add"), 1);
  EXPECT_EQ(count_of(o.after, "ReduceMean"), 0);
}

TEST(FuseLayerNorm, NoFusionWhenAConstantDiffers) {
  LnSpec exponent;
  exponent.exponent = 3.f;
  LnSpec mean_axis;
  mean_axis.mean_axis = 1;
  LnSpec var_axis;
  var_axis.var_axis = 1;
  var_axis.opset = 18;
  LnSpec eps_input;
  eps_input.eps_is_input = true;
  for (const LnSpec& s : {exponent, mean_axis, var_axis}) {
    const ir::Graph g = layer_norm_graph(s);
    auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 6));
    expect_not_fused(o);
  }
  // A run-time epsilon: the graph input has shape [] (declared dims empty).
  const ir::Graph g = layer_norm_graph(eps_input);
  auto o = test::optimize(g, kPass);
  expect_not_fused(o);
}

TEST(FuseLayerNorm, IntermediateGraphOutputBlocksFusion) {
  LnSpec s;
  s.d_is_output = true;
  const ir::Graph g = layer_norm_graph(s);
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 7));
  expect_not_fused(o);
}

TEST(FuseLayerNorm, IntermediateWithAnotherReaderBlocksFusion) {
  // var = ReduceMean(d^2) is also read by a second output branch.
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{4, ""}, {kC, ""}});
  auto mean = b.op("ReduceMean", {x}, {{"axes", Attribute::of_ints({-1})}});
  auto d = b.op("Sub", {x, mean});
  auto var = b.op("ReduceMean", {b.op("Mul", {d, d})}, {{"axes", Attribute::of_ints({-1})}});
  auto sd = b.op("Sqrt", {b.op("Add", {var, b.constant("eps", Tensor::scalar<float>(1e-5f))})});
  b.output(b.op("Div", {d, sd}), "y");
  b.output(b.op("Neg", {var}), "neg_var");
  const ir::Graph g = b.finish();
  auto o = test::expect_rewrite_preserves_outputs(g, kPass, test::random_inputs(g, 8));
  expect_not_fused(o);
}

TEST(FuseLayerNorm, DisabledByNameThroughTheSession) {
  auto bytes = onnx_io::serialize_model(layer_norm_graph({}));
  ASSERT_TRUE(bytes.has_value()) << bytes.status().to_string();
  auto ops_of = [&](const Options& options) {
    auto s = Session::load_from_bytes(*bytes, options);
    EXPECT_TRUE(s.has_value()) << s.status().to_string();
    std::vector<std::string> ops;
    if (!s) return ops;
    for (const NodeProfile& p : (*s)->profile()) ops.push_back(p.op_type);
    return ops;
  };
  EXPECT_EQ(ops_of({}), std::vector<std::string>{"LayerNormalization"});
  Options off;
  off.disabled_passes = {"fuse_layer_norm"};
  const auto ops = ops_of(off);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "ReduceMean"), 2);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "LayerNormalization"), 0);
}

}  // namespace
}  // namespace lacuna
