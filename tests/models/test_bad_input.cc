// Bad input gets a clear error naming the model, node or input, a non-zero exit and no partial
// output: truncated/corrupt/non-ONNX files, unknown ops, missing or extra inputs, wrong shapes
// and dtypes, out-of-range Gather indices, overflowing shapes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <onnx/onnx_pb.h>

#include "io/npy.h"
#include "ir/builder.h"
#include "lacuna/session.h"
#include "onnx/export.h"
#include "test_util.h"

namespace lacuna {
namespace {

namespace fs = std::filesystem;
using ir::Attribute;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lacuna_bad_input_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // x[2,3] + y[2,3] -> z
  std::string write_add_model() {
    ir::GraphBuilder b;
    auto x = b.input("x", DType::kFloat32, {{2, ""}, {3, ""}});
    auto y = b.input("y", DType::kFloat32, {{2, ""}, {3, ""}});
    b.output(b.op("Add", {x, y}, {}, "add"), "z", DType::kFloat32, {{2, ""}, {3, ""}});
    const std::string p = path("add.onnx");
    EXPECT_TRUE(onnx_io::export_model(b.finish(), p).is_ok());
    return p;
  }

  std::string write_npy(const std::string& name, const Tensor& t) {
    const std::string p = path(name);
    EXPECT_TRUE(io::write_npy(t, p).is_ok());
    return p;
  }

  // Runs the CLI; expects failure, an error line containing `needle`, and no output files.
  void expect_cli_error(const std::string& args, const std::string& needle) {
    const std::string out_dir = path("out");
    fs::remove_all(out_dir);
    std::string output;
    const int rc = test::run_command(test::lacuna_binary() + " " + args + " -o " + out_dir, &output);
    EXPECT_NE(rc, 0) << args << "\n" << output;
    EXPECT_NE(output.find("error"), std::string::npos) << output;
    EXPECT_NE(output.find(needle), std::string::npos) << "expected '" << needle << "' in: " << output;
    EXPECT_FALSE(fs::exists(out_dir) && !fs::is_empty(out_dir)) << "partial output written";
  }

  fs::path dir_;
};

TEST_F(BadInput, NotAnOnnxFile) {
  std::ofstream(path("junk.onnx")) << "this is not a model";
  expect_cli_error("run " + path("junk.onnx"), "junk.onnx");
  auto s = Session::load(path("junk.onnx"));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidModel);
}

TEST_F(BadInput, TruncatedModel) {
  const std::string good = write_add_model();
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t cut : {size_t{1}, bytes.size() / 2, bytes.size() - 3}) {
    const std::string p = path("trunc" + std::to_string(cut) + ".onnx");
    std::ofstream(p, std::ios::binary) << bytes.substr(0, cut);
    auto s = Session::load(p);
    EXPECT_FALSE(s.has_value()) << "cut at " << cut;
  }
}

TEST_F(BadInput, MissingFile) {
  auto s = Session::load(path("nope.onnx"));
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.status().message().find("nope.onnx"), std::string::npos);
}

TEST_F(BadInput, UnknownOp) {
  ir::GraphBuilder b;
  auto x = b.input("x", DType::kFloat32, {{2, ""}});
  b.output(b.op("FrobnicateTensor", {x}, {}, "frob"), "y", DType::kFloat32, {{2, ""}});
  ASSERT_TRUE(onnx_io::export_model(b.finish(), path("unknown.onnx")).is_ok());
  const std::string x_npy = write_npy("x.npy", Tensor::from_vector<float>({2}, {1, 2}));
  expect_cli_error("run " + path("unknown.onnx") + " -i x=" + x_npy, "FrobnicateTensor");
}

TEST_F(BadInput, MissingAndExtraInputs) {
  const std::string model = write_add_model();
  const std::string x = write_npy("x.npy", Tensor(DType::kFloat32, {2, 3}));
  expect_cli_error("run " + model + " -i x=" + x, "'y'");
  expect_cli_error("run " + model + " -i x=" + x + " -i y=" + x + " -i w=" + x, "'w'");
}

TEST_F(BadInput, WrongShapeAndDtype) {
  const std::string model = write_add_model();
  const std::string x = write_npy("x.npy", Tensor(DType::kFloat32, {2, 3}));
  const std::string bad_shape = write_npy("bad_shape.npy", Tensor(DType::kFloat32, {3, 2}));
  const std::string bad_dtype = write_npy("bad_dtype.npy", Tensor(DType::kInt64, {2, 3}));
  expect_cli_error("run " + model + " -i x=" + x + " -i y=" + bad_shape, "input 'y' has shape [3,2]");
  expect_cli_error("run " + model + " -i x=" + x + " -i y=" + bad_dtype, "input 'y' has dtype int64");
}

TEST_F(BadInput, GatherIndexOutOfRange) {
  ir::GraphBuilder b;
  auto data = b.input("data", DType::kFloat32, {{4, ""}, {2, ""}});
  auto idx = b.input("idx", DType::kInt64, {{2, ""}});
  b.output(b.op("Gather", {data, idx}, {}, "gather"), "y", DType::kFloat32, {{2, ""}, {2, ""}});
  ASSERT_TRUE(onnx_io::export_model(b.finish(), path("gather.onnx")).is_ok());
  const std::string d = write_npy("d.npy", Tensor(DType::kFloat32, {4, 2}));
  const std::string i = write_npy("i.npy", Tensor::from_vector<int64_t>({2}, {1, 7}));
  expect_cli_error("run " + path("gather.onnx") + " -i data=" + d + " -i idx=" + i, "gather");
}

TEST_F(BadInput, OverflowingShape) {
  ir::GraphBuilder b;
  auto x = b.input("x", DType::kFloat32, {{1, ""}});
  auto shape = b.constant("shape", Tensor::from_vector<int64_t>({3}, {int64_t{1} << 40, int64_t{1} << 40, 4}));
  b.output(b.op("Expand", {x, shape}, {}, "expand"), "y", DType::kFloat32, {});
  ASSERT_TRUE(onnx_io::export_model(b.finish(), path("overflow.onnx")).is_ok());
  const std::string xi = write_npy("x.npy", Tensor(DType::kFloat32, {1}));
  expect_cli_error("run " + path("overflow.onnx") + " -i x=" + xi, "expand");
}

// A static output far above the tensor size limit (found by the fuzzer: TfIdfVectorizer with an
// ngram_indexes entry of 2^31 - 1 made the planner reserve, and the op fill, 8 GB per row) is an
// error naming the value, before anything runs.
TEST_F(BadInput, HugeStaticOutputIsAnError) {
  ir::GraphBuilder b;
  auto x = b.input("x", DType::kInt64, {{2, ""}, {3, ""}});
  auto y = b.op("TfIdfVectorizer", {x},
                {{"mode", Attribute::of_string("TF")},
                 {"min_gram_length", Attribute::of_int(1)},
                 {"max_gram_length", Attribute::of_int(1)},
                 {"max_skip_count", Attribute::of_int(0)},
                 {"ngram_counts", Attribute::of_ints({0})},
                 {"ngram_indexes", Attribute::of_ints({0, (int64_t{1} << 31) - 1})},
                 {"pool_int64s", Attribute::of_ints({1, 2})}},
                "tfidf");
  b.output(y, "y", DType::kFloat32, {});
  ASSERT_TRUE(onnx_io::export_model(b.finish(), path("tfidf.onnx")).is_ok());
  const int64_t before = max_tensor_bytes();
  set_max_tensor_bytes(int64_t{64} << 20);
  auto s = Session::load(path("tfidf.onnx"));
  Status st = s.has_value() ? Status::ok() : s.status();
  if (s.has_value()) {
    auto r = (*s)->run({Tensor::from_vector<int64_t>({2, 3}, {1, 2, 3, 2, 1, 1})});
    if (!r.has_value()) st = r.status();
  }
  set_max_tensor_bytes(before);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("too large"), std::string::npos) << st.to_string();
  EXPECT_NE(st.message().find("'y'"), std::string::npos) << st.to_string();
}

TEST_F(BadInput, ApiErrorsNameTheInput) {
  auto s = Session::load(write_add_model());
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  auto r = (*s)->run({Tensor(DType::kFloat32, {2, 3})});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  auto r2 = (*s)->run({Tensor(DType::kFloat32, {2, 3}), Tensor(DType::kFloat32, {2, 4})});
  ASSERT_FALSE(r2.has_value());
  EXPECT_NE(r2.status().message().find("'y'"), std::string::npos);
}

// Nodes that list no outputs, or omit the first one (found by the fuzzer): an error or a normal
// run, never a crash.
TEST_F(BadInput, NodesWithMissingOutputs) {
  auto model_with = [](const std::string& op, const std::vector<std::string>& outputs, const std::string& graph_out) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(17);
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("missing_outputs");
    auto add_io = [](onnx::ValueInfoProto* v, const std::string& name, int elem, std::vector<int64_t> dims) {
      v->set_name(name);
      auto* t = v->mutable_type()->mutable_tensor_type();
      t->set_elem_type(elem);
      for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
    };
    add_io(g->add_input(), "x", onnx::TensorProto::FLOAT, {3, 4});
    onnx::TensorProto* k = g->add_initializer();
    k->set_name("k");
    k->set_data_type(onnx::TensorProto::INT64);
    k->add_dims(1);
    k->add_int64_data(2);
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name("the_node");
    n->add_input("x");
    if (op == "TopK") n->add_input("k");
    for (const std::string& o : outputs) n->add_output(o);
    add_io(g->add_output(), graph_out, graph_out == "x" ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64,
           graph_out == "x" ? std::vector<int64_t>{3, 4} : std::vector<int64_t>{3, 2});
    std::string bytes;
    m.SerializeToString(&bytes);
    return bytes;
  };
  auto none = Session::load_from_bytes(model_with("Asinh", {}, "x"), {}, "no_outputs.onnx");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.status().to_string().find("the_node"), std::string::npos) << none.status().to_string();
  EXPECT_NE(none.status().to_string().find("has no outputs"), std::string::npos) << none.status().to_string();

  // TopK with only its indices wanted: runs, and the indices are right.
  auto indices_only = Session::load_from_bytes(model_with("TopK", {"", "i"}, "i"), {}, "topk.onnx");
  ASSERT_TRUE(indices_only.has_value()) << indices_only.status().to_string();
  std::vector<float> xv(12);
  for (int i = 0; i < 12; ++i) xv[static_cast<size_t>(i)] = static_cast<float>((i * 7) % 12);
  auto out = (*indices_only)->run({Tensor::from_vector<float>({3, 4}, xv)});
  ASSERT_TRUE(out.has_value()) << out.status().to_string();
  ASSERT_EQ(out->size(), 1u);
  const auto idx = (*out)[0].to_int64_vector();
  ASSERT_EQ(idx.size(), 6u);
  for (int r = 0; r < 3; ++r) {
    // Row r holds (7 * (4r + c)) % 12 for c = 0..3; the top two in descending order.
    std::vector<std::pair<float, int64_t>> row;
    for (int c = 0; c < 4; ++c) row.push_back({xv[static_cast<size_t>(r * 4 + c)], c});
    std::sort(row.begin(), row.end(), [](auto a, auto b) { return a.first > b.first; });
    EXPECT_EQ(idx[static_cast<size_t>(r * 2)], row[0].second);
    EXPECT_EQ(idx[static_cast<size_t>(r * 2 + 1)], row[1].second);
  }
}

// A Loop whose body returns fewer outputs than the node's scan outputs need (found by the
// fuzzer: with zero trips the run read past the body's outputs): a clear error at load.
TEST_F(BadInput, LoopBodyWithTooFewOutputs) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("loop");
  auto scalar = [](onnx::ValueInfoProto* v, const std::string& name, int elem) {
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(elem);
    v->mutable_type()->mutable_tensor_type()->mutable_shape();
  };
  scalar(g->add_input(), "trips", onnx::TensorProto::INT64);
  onnx::TensorProto* c = g->add_initializer();
  c->set_name("cond");
  c->set_data_type(onnx::TensorProto::BOOL);
  c->add_int32_data(1);
  onnx::NodeProto* n = g->add_node();
  n->set_op_type("Loop");
  n->set_name("the_loop");
  n->add_input("trips");
  n->add_input("cond");
  n->add_output("scanned");
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  onnx::GraphProto* body = a->mutable_g();
  body->set_name("body");
  scalar(body->add_input(), "i", onnx::TensorProto::INT64);
  scalar(body->add_input(), "c_in", onnx::TensorProto::BOOL);
  onnx::NodeProto* id = body->add_node();
  id->set_op_type("Identity");
  id->add_input("c_in");
  id->add_output("c_out");
  scalar(body->add_output(), "c_out", onnx::TensorProto::BOOL);  // no scan output
  onnx::ValueInfoProto* out = g->add_output();
  out->set_name("scanned");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  std::string bytes;
  m.SerializeToString(&bytes);
  auto s = Session::load_from_bytes(bytes, {}, "loop.onnx");
  Status st = s.has_value() ? Status::ok() : s.status();
  if (s.has_value()) {  // shapes known only at run time: the error comes from the run
    auto r = (*s)->run({Tensor::scalar<int64_t>(0)});
    ASSERT_FALSE(r.has_value());
    st = r.status();
  }
  EXPECT_NE(st.to_string().find("the_loop"), std::string::npos) << st.to_string();
  EXPECT_NE(st.to_string().find("outputs"), std::string::npos) << st.to_string();
}

// Axes given for a scalar (found by the fuzzer): a clear error naming the node, not an index past
// the shape.
TEST_F(BadInput, AxesOfAScalar) {
  struct Case {
    std::string op;
    bool axes_input;
  };
  for (const Case& c : std::vector<Case>{{"Squeeze", true}, {"MeanVarianceNormalization", false}}) {
    ir::GraphBuilder b;
    auto x = b.input("x", DType::kFloat32, {});
    ir::ValueId y;
    if (c.axes_input) {
      y = b.op(c.op, {x, b.constant("axes", Tensor::from_vector<int64_t>({1}, {0}))}, {}, "the_node");
    } else {
      y = b.op(c.op, {x}, {{"axes", Attribute::of_ints({0})}}, "the_node");
    }
    b.output(y, "y");
    const std::string p = path(c.op + ".onnx");
    ASSERT_TRUE(onnx_io::export_model(b.finish(), p).is_ok());
    auto session = Session::load(p, {});
    Status st = session.has_value() ? Status::ok() : session.status();
    if (st.is_ok()) {
      auto out = (*session)->run({Tensor::from_vector<float>({}, {1.f})});
      ASSERT_FALSE(out.has_value()) << c.op;
      st = out.status();
    }
    EXPECT_NE(st.to_string().find("the_node"), std::string::npos) << st.to_string();
    EXPECT_NE(st.to_string().find("axis"), std::string::npos) << st.to_string();
  }
}

}  // namespace
}  // namespace lacuna
