// The IR: building graphs, names, producers/consumers, topological order, dead-node removal,
// use replacement, and the errors the verifier, topo_sort and the ONNX importer report for
// dangling inputs, duplicate outputs and cycles.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <array>

#include "ir/builder.h"
#include "ir/verifier.h"
#include "lacuna/session.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::kNoValue;
using ir::ValueId;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

ir::Node node(const std::string& name, const std::string& op, std::vector<ValueId> in, std::vector<ValueId> out) {
  ir::Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST(IrGraph, ValuesNamesAndConstants) {
  ir::Graph g;
  const ValueId a = g.add_value("a", DType::kFloat32);
  EXPECT_EQ(g.find("a"), a);
  EXPECT_EQ(g.find("missing"), kNoValue);
  EXPECT_EQ(g.value(a).dtype, DType::kFloat32);
  EXPECT_FALSE(g.value(a).is_constant());
  EXPECT_FALSE(g.value(a).shape.has_value());

  const ValueId c = g.add_constant("c", Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(g.value(c).is_constant());
  EXPECT_EQ(g.value(c).dtype, DType::kFloat32);
  ASSERT_TRUE(g.value(c).shape.has_value());
  EXPECT_EQ(*g.value(c).shape, Shape({2, 3}));

  const std::string u1 = g.unique_name("a");
  const ValueId uv = g.add_value(u1);
  const std::string u2 = g.unique_name("a");
  EXPECT_NE(u1, "a");
  EXPECT_NE(u1, u2);
  EXPECT_EQ(g.find(u1), uv);
  EXPECT_EQ(g.find(u2), kNoValue);

  g.rename(a, "renamed");
  EXPECT_EQ(g.find("a"), kNoValue);
  EXPECT_EQ(g.find("renamed"), a);
  EXPECT_EQ(g.value(a).name, "renamed");
}

TEST(IrGraph, BuilderProducesASortedVerifiedGraph) {
  ir::GraphBuilder b(17, "tiny");
  auto x = b.input("x", DType::kFloat32, {{2, ""}, {-1, "n"}});
  auto r = b.op("Relu", {x}, {}, "relu");
  auto outs = b.node("Split", {r}, {{"axis", ir::Attribute::of_int(0)}}, 2, "split");
  b.output(b.op("Add", {outs[0], outs[1]}, {}, "add"), "y");
  ir::Graph g = b.finish();
  EXPECT_EQ(g.name, "tiny");
  EXPECT_EQ(g.opset(""), 17);
  EXPECT_EQ(g.opset("com.unknown"), 1);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[1].outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "y");
  EXPECT_EQ(ir::dims_to_string(g.declared_dims.at(g.inputs[0])), "[2,n]");
  EXPECT_TRUE(ir::verify(g).is_ok());
  EXPECT_TRUE(g.is_graph_output(g.find("y")));
  EXPECT_FALSE(g.is_graph_output(r));
}

TEST(IrGraph, TopoSortOrdersNodesAddedOutOfOrder) {
  ir::Graph g;
  const ValueId x = g.add_value("x", DType::kFloat32);
  g.inputs = {x};
  const ValueId a = g.add_value("a"), b = g.add_value("b"), c = g.add_value("c");
  const ValueId w = g.add_constant("w", Tensor::scalar<float>(2.f));
  g.add_node(node("n3", "Add", {b, a}, {c}));
  g.add_node(node("n2", "Mul", {a, w}, {b}));
  g.add_node(node("n1", "Relu", {x}, {a}));
  g.outputs = {c};
  EXPECT_FALSE(ir::verify(g).is_ok());  // n3 reads b and a before they are produced
  ASSERT_TRUE(g.topo_sort().is_ok());
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "n1");
  EXPECT_EQ(g.nodes[1].name, "n2");
  EXPECT_EQ(g.nodes[2].name, "n3");
  EXPECT_TRUE(ir::verify(g).is_ok());

  const auto producers = g.producers();
  EXPECT_EQ(producers[static_cast<size_t>(x)], -1);
  EXPECT_EQ(producers[static_cast<size_t>(w)], -1);
  EXPECT_EQ(producers[static_cast<size_t>(a)], 0);
  EXPECT_EQ(producers[static_cast<size_t>(c)], 2);
  const auto consumers = g.consumers();
  EXPECT_EQ(consumers[static_cast<size_t>(a)], (std::vector<int>{1, 2}));
  EXPECT_EQ(consumers[static_cast<size_t>(c)], std::vector<int>{});
}

TEST(IrGraph, TopoSortDropsRemovedNodesAndReadsTwiceOnce) {
  ir::Graph g;
  const ValueId x = g.add_value("x");
  g.inputs = {x};
  const ValueId a = g.add_value("a"), dead = g.add_value("dead");
  g.add_node(node("sq", "Mul", {x, x}, {a}));
  g.add_node(node("gone", "Neg", {x}, {dead}));
  g.nodes.back().removed = true;
  g.outputs = {a};
  ASSERT_TRUE(g.topo_sort().is_ok());
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.consumers()[static_cast<size_t>(x)], std::vector<int>{0});  // one entry for Mul(x, x)
}

TEST(IrGraph, TopoSortErrorsNameTheProblem) {
  {  // dangling input
    ir::Graph g;
    const ValueId x = g.add_value("x"), ghost = g.add_value("ghost"), y = g.add_value("y");
    g.inputs = {x};
    g.add_node(node("adder", "Add", {x, ghost}, {y}));
    g.outputs = {y};
    Status s = g.topo_sort();
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), ErrorCode::kInvalidModel);
    EXPECT_TRUE(contains(s.message(), "node 'adder' (Add) reads 'ghost'")) << s.message();
  }
  {  // duplicate output
    ir::Graph g;
    const ValueId x = g.add_value("x"), y = g.add_value("y");
    g.inputs = {x};
    g.add_node(node("first", "Relu", {x}, {y}));
    g.add_node(node("second", "Neg", {x}, {y}));
    g.outputs = {y};
    Status s = g.topo_sort();
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "'y' is produced by both node 'first' (Relu) and node 'second' (Neg)"))
        << s.message();
  }
  {  // cycle
    ir::Graph g;
    const ValueId x = g.add_value("x"), a = g.add_value("a"), b = g.add_value("b");
    g.inputs = {x};
    g.add_node(node("p", "Add", {x, b}, {a}));
    g.add_node(node("q", "Relu", {a}, {b}));
    g.outputs = {b};
    Status s = g.topo_sort();
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "cycle")) << s.message();
  }
}

TEST(IrVerifier, ReportsEachStructuralError) {
  auto base = [] {
    ir::Graph g;
    const ValueId x = g.add_value("x");
    g.inputs = {x};
    return g;
  };
  {  // dangling input
    ir::Graph g = base();
    const ValueId ghost = g.add_value("ghost"), y = g.add_value("y");
    g.add_node(node("n", "Add", {0, ghost}, {y}));
    g.outputs = {y};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), ErrorCode::kInternal);
    EXPECT_TRUE(contains(s.message(), "node 'n' (Add) reads 'ghost' before it is produced")) << s.message();
  }
  {  // duplicate output: the same value written twice
    ir::Graph g = base();
    const ValueId y = g.add_value("y");
    g.add_node(node("first", "Relu", {0}, {y}));
    g.add_node(node("second", "Neg", {0}, {y}));
    g.outputs = {y};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "node 'second' (Neg) writes 'y', which is already defined")) << s.message();
  }
  {  // duplicate output names: two values called "y"
    ir::Graph g = base();
    const ValueId y1 = g.add_value("y"), y2 = g.add_value("y");
    g.add_node(node("first", "Relu", {0}, {y1}));
    g.add_node(node("second", "Neg", {0}, {y2}));
    g.outputs = {y1, y2};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "share the name 'y'")) << s.message();
  }
  {  // a node writing a graph input
    ir::Graph g = base();
    g.add_node(node("clobber", "Relu", {0}, {0}));
    g.outputs = {0};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "writes 'x', which is already defined")) << s.message();
  }
  {  // cycle
    ir::Graph g = base();
    const ValueId a = g.add_value("a"), b = g.add_value("b");
    g.add_node(node("p", "Add", {0, b}, {a}));
    g.add_node(node("q", "Relu", {a}, {b}));
    g.outputs = {b};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "node 'p' (Add) reads 'b' before it is produced")) << s.message();
  }
  {  // graph output nobody produces
    ir::Graph g = base();
    g.outputs = {g.add_value("orphan")};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "graph output 'orphan' is never produced")) << s.message();
  }
  {  // a value id out of range
    ir::Graph g = base();
    const ValueId y = g.add_value("y");
    g.add_node(node("n", "Relu", {42}, {y}));
    g.outputs = {y};
    Status s = ir::verify(g);
    ASSERT_FALSE(s.is_ok());
    EXPECT_TRUE(contains(s.message(), "reads value id 42 out of range")) << s.message();
  }
  {  // removed nodes, omitted optional inputs, constants and outer-scope names are fine
    ir::Graph g = base();
    const ValueId outer = g.add_value("outer"), w = g.add_constant("w", Tensor::scalar<float>(1.f));
    const ValueId y = g.add_value("y"), z = g.add_value("z");
    g.outer_refs = {"outer"};
    g.add_node(node("gone", "Neg", {g.add_value("never")}, {g.add_value("unused")}));
    g.nodes.back().removed = true;
    g.add_node(node("clip", "Clip", {0, kNoValue, w}, {y}));
    g.add_node(node("add", "Add", {y, outer}, {z}));
    g.outputs = {z};
    Status s = ir::verify(g);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
}

TEST(IrGraph, RemoveDeadNodesAndReplaceUses) {
  ir::GraphBuilder b(17);
  auto x = b.input("x", DType::kFloat32, {{3, ""}});
  auto r = b.op("Relu", {x});
  auto n1 = b.op("Neg", {r});
  (void)b.op("Exp", {n1});  // dead chain: Neg -> Exp, kept alive by nothing
  auto y = b.op("Abs", {r});
  b.output(y, "y");
  b.output(r, "r");
  ir::Graph g = b.finish();
  EXPECT_EQ(g.remove_dead_nodes(), 2);
  ASSERT_TRUE(g.topo_sort().is_ok());
  EXPECT_EQ(g.nodes.size(), 2u);
  // Replacing r by x redirects the Abs, but the graph output keeps its value (and name).
  g.replace_uses(r, x);
  EXPECT_EQ(g.nodes[1].inputs[0], x);
  EXPECT_EQ(g.outputs[1], r);
  EXPECT_EQ(g.remove_dead_nodes(), 0);  // the Relu still writes a graph output
}

// ONNX models with the same problems: the importer rejects them with the offending name.
std::string onnx_model(const std::vector<std::array<std::string, 3>>& nodes, const std::string& output) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("bad");
  for (const auto& [op, in, out] : nodes) {
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + out);
    n->add_input(in);
    n->add_output(out);
  }
  onnx::ValueInfoProto* x = g->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  onnx::ValueInfoProto* y = g->add_output();
  y->set_name(output);
  y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m.SerializeAsString();
}

TEST(OnnxImport, RejectsDanglingInputsDuplicateOutputsAndCycles) {
  auto error_of = [](const std::string& bytes) {
    auto s = Session::load_from_bytes(bytes);
    EXPECT_FALSE(s.has_value());
    if (s) return std::string();
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidModel) << s.status().to_string();
    return s.status().message();
  };
  std::string e = error_of(onnx_model({{"Relu", "ghost", "y"}}, "y"));
  EXPECT_TRUE(contains(e, "reads 'ghost'")) << e;
  e = error_of(onnx_model({{"Relu", "x", "y"}, {"Neg", "x", "y"}}, "y"));
  EXPECT_TRUE(contains(e, "'y' is defined more than once")) << e;
  e = error_of(onnx_model({{"Relu", "x", "x"}}, "x"));  // an output named like the input
  EXPECT_TRUE(contains(e, "'x' is defined more than once")) << e;
  e = error_of(onnx_model({{"Relu", "b", "a"}, {"Neg", "a", "b"}}, "b"));
  EXPECT_TRUE(contains(e, "cycle")) << e;
  // The well-formed version loads and runs.
  auto ok = Session::load_from_bytes(onnx_model({{"Relu", "x", "a"}, {"Neg", "a", "y"}}, "y"));
  ASSERT_TRUE(ok.has_value()) << ok.status().to_string();
  auto out = (*ok)->run({Tensor::from_vector<float>({2}, {-1.f, 2.f})});
  ASSERT_TRUE(out.has_value()) << out.status().to_string();
  test::expect_equal((*out)[0], Tensor::from_vector<float>({2}, {0.f, -2.f}));
}

}  // namespace
}  // namespace lacuna
