// Session::run_values: models whose inputs and outputs are sequences or optionals.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "lacuna/session.h"

namespace lacuna {
namespace {

void set_tensor_type(onnx::TypeProto* t, int elem) { t->mutable_tensor_type()->set_elem_type(elem); }

// seq_out = SequenceInsert(seq_in, x); has = OptionalHasElement(opt_in).
std::string sequence_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(15);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("values");
  onnx::NodeProto* ins = g->add_node();
  ins->set_op_type("SequenceInsert");
  ins->add_input("seq_in");
  ins->add_input("x");
  ins->add_output("seq_out");
  onnx::NodeProto* has = g->add_node();
  has->set_op_type("OptionalHasElement");
  has->add_input("opt_in");
  has->add_output("has");
  onnx::ValueInfoProto* seq_in = g->add_input();
  seq_in->set_name("seq_in");
  set_tensor_type(seq_in->mutable_type()->mutable_sequence_type()->mutable_elem_type(), 1);
  onnx::ValueInfoProto* x = g->add_input();
  x->set_name("x");
  set_tensor_type(x->mutable_type(), 1);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  onnx::ValueInfoProto* opt_in = g->add_input();
  opt_in->set_name("opt_in");
  set_tensor_type(opt_in->mutable_type()->mutable_optional_type()->mutable_elem_type(), 1);
  onnx::ValueInfoProto* seq_out = g->add_output();
  seq_out->set_name("seq_out");
  set_tensor_type(seq_out->mutable_type()->mutable_sequence_type()->mutable_elem_type(), 1);
  onnx::ValueInfoProto* has_out = g->add_output();
  has_out->set_name("has");
  set_tensor_type(has_out->mutable_type(), 9);
  return m.SerializeAsString();
}

TEST(SessionValues, SequenceAndOptionalInputsAndOutputs) {
  auto s = Session::load_from_bytes(sequence_model());
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  Session& session = **s;
  EXPECT_EQ(session.inputs()[0].kind, ValueKind::kSequence);
  EXPECT_EQ(session.inputs()[2].kind, ValueKind::kOptional);
  EXPECT_EQ(session.outputs()[0].kind, ValueKind::kSequence);

  Value seq;
  seq.kind = ValueKind::kSequence;
  seq.elem_dtype = DType::kFloat32;
  seq.sequence.push_back(Tensor::from_vector<float>({1}, {7}));
  Value x;
  x.tensor = Tensor::from_vector<float>({2}, {1, 2});
  Value none;
  none.kind = ValueKind::kOptional;
  none.present = false;
  for (int run = 0; run < 2; ++run) {  // the second run reuses the compiled plan and run state
    auto out = session.run_values({{"seq_in", seq}, {"x", x}, {"opt_in", none}});
    ASSERT_TRUE(out.has_value()) << out.status().to_string();
    const Value& so = (*out)["seq_out"];
    ASSERT_EQ(so.kind, ValueKind::kSequence);
    ASSERT_EQ(so.sequence.size(), 2u);
    EXPECT_EQ(so.sequence[1].data<float>()[1], 2.f);
    EXPECT_FALSE((*out)["has"].tensor.data<bool>()[0]);
  }

  // Wrong kinds and the tensor-only entry point are errors, not crashes.
  EXPECT_FALSE(session.run_values({{"seq_in", x}, {"x", x}, {"opt_in", none}}).has_value());
  EXPECT_FALSE(session.run_values({{"x", x}}).has_value());
  auto plain = session.run(std::vector<Tensor>{x.tensor, x.tensor, x.tensor});
  ASSERT_FALSE(plain.has_value());
  EXPECT_NE(plain.status().message().find("run_values"), std::string::npos) << plain.status().message();
}

}  // namespace
}  // namespace lacuna
