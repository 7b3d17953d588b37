// Static shape inference (engine/infer.h): broadcasting, Reshape with 0 and -1, Conv and Pool
// windows (pads, strides, dilations, auto_pad, ceil_mode), Gather/Concat/Slice, symbolic dims
// resolved from the actual input shapes, and the PyTorch Shape->Gather->Unsqueeze->Concat->
// Reshape chain folding to a constant shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "engine/infer.h"
#include "ir/builder.h"
#include "lacuna/session.h"
#include "onnx/export.h"
#include "pass_harness.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;
using ir::Attributes;

std::vector<ir::Dim> dims(const Shape& s) {
  std::vector<ir::Dim> d;
  for (int64_t v : s) d.push_back({v, ""});
  return d;
}

ir::Value const& value_named(const ir::Graph& g, const std::string& name) {
  const ir::ValueId v = g.find(name);
  EXPECT_NE(v, ir::kNoValue) << name;
  return g.value(v);
}

// The inferred shape of `op` applied to inputs of the given shapes (nullopt: unknown).
struct OpCase {
  std::string op;
  std::vector<Shape> inputs;
  Attributes attrs = {};
  std::vector<Tensor> constants = {};  // trailing constant inputs (shapes, indices, ...)
  DType dtype = DType::kFloat32;
};

std::optional<Shape> infer_one(const OpCase& c, Status* status = nullptr) {
  ir::GraphBuilder b(17);
  std::vector<ir::ValueId> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    in.push_back(b.input("in" + std::to_string(i), i == 0 ? c.dtype : DType::kFloat32, dims(c.inputs[i])));
  }
  for (size_t i = 0; i < c.constants.size(); ++i) in.push_back(b.constant("k" + std::to_string(i), c.constants[i]));
  b.output(b.op(c.op, in, c.attrs, "op"), "out");
  ir::Graph g = b.finish();
  for (ir::ValueId v : g.inputs) {
    Shape s;
    for (const ir::Dim& d : g.declared_dims.at(v)) s.push_back(d.value);
    g.value(v).shape = s;
  }
  Status s = engine::infer_graph(g);
  if (status) *status = s;
  if (!s.is_ok()) return std::nullopt;
  return value_named(g, "out").shape;
}

Shape infer_ok(const OpCase& c) {
  Status s;
  auto shape = infer_one(c, &s);
  EXPECT_TRUE(s.is_ok()) << c.op << ": " << s.to_string();
  EXPECT_TRUE(shape.has_value()) << c.op << ": shape unknown";
  return shape.value_or(Shape{-1});
}

Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(ShapeInference, Broadcasting) {
  EXPECT_EQ(infer_ok({"Add", {{2, 1, 4}, {3, 1}}}), Shape({2, 3, 4}));
  EXPECT_EQ(infer_ok({"Mul", {{5}, {}}}), Shape({5}));
  EXPECT_EQ(infer_ok({"Sub", {{1}, {6, 1, 1}}}), Shape({6, 1, 1}));
  EXPECT_EQ(infer_ok({"Div", {{0, 3}, {1, 3}}}), Shape({0, 3}));
  EXPECT_EQ(infer_ok({"MatMul", {{2, 1, 3, 4}, {5, 4, 6}}}), Shape({2, 5, 3, 6}));
  EXPECT_EQ(infer_ok({"MatMul", {{4}, {3, 4, 6}}}), Shape({3, 6}));
  Status s;
  EXPECT_FALSE(infer_one({"Add", {{2, 3}, {4}}}, &s).has_value());
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("node 'op' (Add)"), std::string::npos) << s.message();
}

TEST(ShapeInference, ReshapeZeroAndMinusOne) {
  EXPECT_EQ(infer_ok({"Reshape", {{2, 3, 4}}, {}, {ints({0, -1})}}), Shape({2, 12}));
  EXPECT_EQ(infer_ok({"Reshape", {{2, 3, 4}}, {}, {ints({-1, 4})}}), Shape({6, 4}));
  EXPECT_EQ(infer_ok({"Reshape", {{2, 3, 4}}, {}, {ints({0, 0, 2, -1})}}), Shape({2, 3, 2, 2}));
  EXPECT_EQ(infer_ok({"Reshape", {{2, 3, 4}}, {}, {ints({-1})}}), Shape({24}));
  // allowzero=1: a 0 is a zero-sized dim, not a copy.
  EXPECT_EQ(infer_ok({"Reshape", {{0, 3}}, {{"allowzero", Attribute::of_int(1)}}, {ints({3, 0})}}), Shape({3, 0}));
  Status s;
  EXPECT_FALSE(infer_one({"Reshape", {{2, 3, 4}}, {}, {ints({-1, -1})}}, &s).has_value());
  EXPECT_FALSE(infer_one({"Reshape", {{2, 3, 4}}, {}, {ints({5, -1})}}, &s).has_value());
  EXPECT_FALSE(s.is_ok());
}

TEST(ShapeInference, ConvWindows) {
  const Shape x = {1, 3, 10, 10};
  auto conv = [&](Attributes a, Shape weight = {8, 3, 3, 3}) { return infer_ok({"Conv", {x, weight}, std::move(a)}); };
  EXPECT_EQ(conv({}), Shape({1, 8, 8, 8}));
  EXPECT_EQ(conv({{"pads", Attribute::of_ints({1, 1, 1, 1})}, {"strides", Attribute::of_ints({2, 2})}}),
            Shape({1, 8, 5, 5}));
  EXPECT_EQ(conv({{"dilations", Attribute::of_ints({2, 2})}}), Shape({1, 8, 6, 6}));
  EXPECT_EQ(conv({{"pads", Attribute::of_ints({0, 1, 2, 3})}}), Shape({1, 8, 10, 12}));  // asymmetric
  EXPECT_EQ(conv({{"auto_pad", Attribute::of_string("SAME_UPPER")}, {"strides", Attribute::of_ints({2, 2})}}),
            Shape({1, 8, 5, 5}));
  EXPECT_EQ(conv({{"auto_pad", Attribute::of_string("SAME_LOWER")}}), Shape({1, 8, 10, 10}));
  EXPECT_EQ(conv({{"auto_pad", Attribute::of_string("VALID")}, {"strides", Attribute::of_ints({3, 3})}}),
            Shape({1, 8, 3, 3}));
  EXPECT_EQ(conv({{"group", Attribute::of_int(3)}}, {6, 1, 3, 3}), Shape({1, 6, 8, 8}));  // depthwise-style
  EXPECT_EQ(infer_ok({"Conv", {{2, 4, 9}, {5, 4, 2}}, {{"strides", Attribute::of_ints({2})}}}), Shape({2, 5, 4}));
  Status s;
  EXPECT_FALSE(infer_one({"Conv", {x, {8, 4, 3, 3}}}, &s).has_value());  // channel mismatch
  EXPECT_NE(s.message().find("node 'op' (Conv)"), std::string::npos) << s.message();
}

TEST(ShapeInference, PoolWindows) {
  auto pool = [&](const char* op, Attributes a, Shape in = {1, 3, 10, 10}) {
    return infer_ok({op, {in}, std::move(a)});
  };
  auto k = [](int64_t n) { return Attribute::of_ints({n, n}); };
  EXPECT_EQ(pool("MaxPool", {{"kernel_shape", k(3)}, {"strides", k(2)}, {"pads", Attribute::of_ints({1, 1, 1, 1})}}),
            Shape({1, 3, 5, 5}));
  EXPECT_EQ(pool("MaxPool", {{"kernel_shape", k(2)}, {"strides", k(2)}}, {1, 3, 9, 9}), Shape({1, 3, 4, 4}));
  EXPECT_EQ(pool("MaxPool", {{"kernel_shape", k(2)}, {"strides", k(2)}, {"ceil_mode", Attribute::of_int(1)}}, {1, 3, 9, 9}),
            Shape({1, 3, 5, 5}));
  EXPECT_EQ(pool("MaxPool", {{"kernel_shape", k(2)}, {"dilations", k(2)}}), Shape({1, 3, 8, 8}));
  EXPECT_EQ(pool("AveragePool", {{"kernel_shape", k(3)}, {"strides", k(2)}, {"auto_pad", Attribute::of_string("SAME_LOWER")}},
                 {1, 3, 9, 9}),
            Shape({1, 3, 5, 5}));
  EXPECT_EQ(pool("AveragePool", {{"kernel_shape", k(3)}, {"auto_pad", Attribute::of_string("VALID")}}), Shape({1, 3, 8, 8}));
  EXPECT_EQ(pool("GlobalAveragePool", {}), Shape({1, 3, 1, 1}));
  EXPECT_EQ(pool("GlobalMaxPool", {}, {2, 5, 7}), Shape({2, 5, 1}));
}

TEST(ShapeInference, GatherConcatSlice) {
  // Gather: data [5,4,3] with int64 indices.
  auto gather = [](Shape data, Tensor idx, int64_t axis) {
    return infer_ok({"Gather", {data}, {{"axis", Attribute::of_int(axis)}}, {std::move(idx)}});
  };
  EXPECT_EQ(gather({5, 4, 3}, Tensor::from_vector<int64_t>({2, 6}, std::vector<int64_t>(12, 1)), 1), Shape({5, 2, 6, 3}));
  EXPECT_EQ(gather({5, 4, 3}, Tensor::scalar<int64_t>(2), 0), Shape({4, 3}));
  EXPECT_EQ(gather({5, 4, 3}, ints({0, 2}), -1), Shape({5, 4, 2}));
  // Concat.
  EXPECT_EQ(infer_ok({"Concat", {{2, 3}, {2, 5}}, {{"axis", Attribute::of_int(1)}}}), Shape({2, 8}));
  EXPECT_EQ(infer_ok({"Concat", {{2, 3, 1}, {4, 3, 1}}, {{"axis", Attribute::of_int(-3)}}}), Shape({6, 3, 1}));
  Status s;
  EXPECT_FALSE(infer_one({"Concat", {{2, 3}, {3, 3}}, {{"axis", Attribute::of_int(1)}}}, &s).has_value());
  // Slice: starts, ends, axes, steps as constant inputs.
  auto slice = [](Shape x, std::vector<int64_t> starts, std::vector<int64_t> ends, std::vector<int64_t> axes,
                  std::vector<int64_t> steps) {
    return infer_ok({"Slice", {x}, {}, {ints(starts), ints(ends), ints(axes), ints(steps)}});
  };
  EXPECT_EQ(slice({10, 8}, {1, -3}, {8, 100}, {0, 1}, {2, 1}), Shape({4, 3}));
  EXPECT_EQ(slice({10, 8}, {-1}, {INT64_MIN}, {0}, {-2}), Shape({5, 8}));  // 9, 7, 5, 3, 1
  EXPECT_EQ(slice({10, 8}, {5}, {2}, {-1}, {1}), Shape({10, 0}));        // empty
  EXPECT_EQ(infer_ok({"Slice", {{4, 6}}, {}, {ints({1}), ints({3})}}), Shape({2, 6}));  // axes default 0..
}

TEST(ShapeInference, ConstantFoldingMakesValuesConstant) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{3, ""}, {2, ""}});
  auto c = b.op("Add", {b.constant("a", Tensor::from_vector<float>({2}, {1, 2})), b.constant("b", Tensor::scalar<float>(3))});
  b.output(b.op("Mul", {x, b.op("Unsqueeze", {c, b.constant("ax", ints({0}))})}, {}, "mul"), "y");
  ir::Graph g = test::shaped(b.finish());
  // Add and Unsqueeze of constants are folded away; only the Mul remains.
  EXPECT_EQ(test::op_counts(g), (test::OpCounts{{"Mul", 1}}));
  const ir::Value& folded = g.value(g.nodes[0].inputs[1]);
  ASSERT_TRUE(folded.is_constant());
  EXPECT_EQ(folded.constant.shape(), Shape({1, 2}));
  EXPECT_EQ(folded.constant.to_double_vector(), (std::vector<double>{4, 5}));
  EXPECT_EQ(*value_named(g, "y").shape, Shape({3, 2}));
}

// PyTorch's dynamic reshape: y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)),
// Unsqueeze(Gather(Shape(x), 1)), [4, 4])) for x [B, S, 16] with symbolic B and S.
ir::Graph dynamic_reshape_model() {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{-1, "batch"}, {-1, "seq"}, {16, ""}});
  auto shape = b.op("Shape", {x});
  auto dim = [&](int64_t i) {
    auto g = b.op("Gather", {shape, b.constant(b.graph().unique_name("index"), Tensor::scalar<int64_t>(i))},
                  {{"axis", Attribute::of_int(0)}});
    return b.op("Unsqueeze", {g, b.constant(b.graph().unique_name("axes"), ints({0}))});
  };
  auto target = b.op("Concat", {dim(0), dim(1), b.constant("heads", ints({4, 4}))}, {{"axis", Attribute::of_int(0)}});
  auto y = b.op("Reshape", {x, target}, {}, "reshape");
  b.output(b.op("Relu", {y}, {}, "relu"), "y", DType::kFloat32, {{-1, "batch"}, {-1, "seq"}, {4, ""}, {4, ""}});
  return b.finish();
}

TEST(ShapeInference, ShapeChainFoldsToAConstantOnceShapesAreKnown) {
  ir::Graph g = dynamic_reshape_model();
  EXPECT_EQ(test::count_of(test::op_counts(g), "Shape"), 1);
  g.value(g.inputs[0]).shape = Shape({3, 7, 16});
  ASSERT_TRUE(engine::infer_graph(g).is_ok());
  engine::prune_folded(g);
  EXPECT_EQ(test::op_counts(g), (test::OpCounts{{"Relu", 1}, {"Reshape", 1}}));
  const ir::Node* reshape = test::find_op(g, "Reshape");
  ASSERT_NE(reshape, nullptr);
  const ir::Value& target = g.value(reshape->inputs[1]);
  ASSERT_TRUE(target.is_constant());
  EXPECT_EQ(target.constant.to_int64_vector(), (std::vector<int64_t>{3, 7, 4, 4}));
  EXPECT_EQ(*value_named(g, "y").shape, Shape({3, 7, 4, 4}));
}

TEST(ShapeInference, SymbolicDimsResolvedFromActualInputs) {
  auto bytes = onnx_io::serialize_model(dynamic_reshape_model());
  ASSERT_TRUE(bytes.has_value()) << bytes.status().to_string();
  auto session = Session::load_from_bytes(*bytes);
  ASSERT_TRUE(session.has_value()) << session.status().to_string();
  Session& s = **session;
  EXPECT_EQ(s.inputs()[0].dims, (std::vector<int64_t>{-1, -1, 16}));
  EXPECT_EQ(s.inputs()[0].dim_params, (std::vector<std::string>{"batch", "seq", ""}));
  for (const Shape& in : {Shape{2, 5, 16}, Shape{1, 9, 16}}) {
    SCOPED_TRACE(shape_to_string(in));
    const Tensor x = test::random_tensor(DType::kFloat32, in, 1);
    auto out = s.run({x});
    ASSERT_TRUE(out.has_value()) << out.status().to_string();
    ASSERT_EQ((*out)[0].shape(), Shape({in[0], in[1], 4, 4}));
    for (int64_t i = 0; i < x.numel(); ++i) {
      ASSERT_EQ((*out)[0].data<float>()[i], std::max(0.f, x.data<float>()[i]));
    }
    // The compiled plan for these shapes has no shape arithmetic left, and static output shapes.
    std::vector<std::string> ops;
    for (const NodeProfile& p : s.profile()) {
      ops.push_back(p.op_type);
      EXPECT_EQ(p.output_shape, Shape({in[0], in[1], 4, 4})) << p.op_type;
    }
    for (const char* gone : {"Shape", "Gather", "Unsqueeze", "Concat"}) {
      EXPECT_EQ(std::count(ops.begin(), ops.end(), gone), 0) << gone;
    }
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "Relu"), 1);
  }
  // A wrong fixed dim is still rejected.
  auto bad = s.run({Tensor(DType::kFloat32, {2, 5, 15})});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.status().message().find("input 'x' has shape [2,5,15]"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace lacuna
