// Sequence and optional operators, run on RtValues (the test helpers' run_op only takes tensors).
#include "core/value.h"
#include "data_test_util.h"
#include "ops/registry.h"
#include "ops/run_kernel.h"

namespace lacuna::test {
namespace {

Expected<std::vector<RtValue>> run_values(const ir::Node& n, const std::vector<const RtValue*>& in,
                                          int64_t opset = 17) {
  const ops::OpEntry* e = ops::Registry::global().find("", n.op_type);
  if (!e) return unsupported(n.op_type + " is not registered");
  auto k = e->reference()->make(n, opset);
  if (!k) return k.status();
  return ops::run_kernel(**k, in, std::vector<bool>(n.outputs.size(), true), n.describe());
}

// Runs and fails the test on error; returns output 0.
RtValue run1(const ir::Node& n, const std::vector<const RtValue*>& in, int64_t opset = 17) {
  auto r = run_values(n, in, opset);
  EXPECT_TRUE(r.has_value()) << r.status().to_string();
  return r ? (*r)[0] : RtValue{};
}

RtValue tv(Tensor t) {
  RtValue v;
  v.tensor = std::move(t);
  return v;
}

TEST(DataSequence, ConstructInsertAtEraseLength) {
  RtValue a = tv(f32({2}, {1, 2})), b = tv(f32({1}, {3})), c = tv(f32({3}, {4, 5, 6}));
  RtValue seq = run1(make_node("SequenceConstruct", 2, 1), {&a, &b});
  ASSERT_EQ(seq.kind, ValueKind::kSequence);
  ASSERT_EQ(seq.sequence.size(), 2u);
  EXPECT_NE(seq.sequence[0].raw(), a.tensor.raw()) << "items must be owned copies";

  RtValue front = tv(i64({}, {-2}));
  RtValue ins = run1(make_node("SequenceInsert", 3, 1), {&seq, &c, &front});
  ASSERT_EQ(ins.sequence.size(), 3u);
  expect_equal(ins.sequence[0], c.tensor);
  RtValue back = run1(omit_input(make_node("SequenceInsert", 3, 1), 2), {&ins, &b, nullptr});
  ASSERT_EQ(back.sequence.size(), 4u);

  RtValue pos = tv(i32({}, {-1}));
  RtValue at = run1(make_node("SequenceAt", 2, 1), {&back, &pos});
  expect_equal(at.tensor, b.tensor);

  RtValue one = tv(i64({}, {1}));
  RtValue er = run1(make_node("SequenceErase", 2, 1), {&back, &one});
  ASSERT_EQ(er.sequence.size(), 3u);
  expect_equal(er.sequence[1], b.tensor);
  RtValue last = run1(omit_input(make_node("SequenceErase", 2, 1), 1), {&er, nullptr});
  ASSERT_EQ(last.sequence.size(), 2u);

  RtValue len = run1(make_node("SequenceLength", 1, 1), {&last});
  EXPECT_EQ(len.tensor.to_int64_vector(), (std::vector<int64_t>{2}));
}

TEST(DataSequence, EmptySequenceAndPositionErrors) {
  RtValue empty = run1(make_node("SequenceEmpty", 0, 1, {{"dtype", ai(7)}}), {});
  ASSERT_EQ(empty.kind, ValueKind::kSequence);
  EXPECT_EQ(empty.elem_dtype, DType::kInt64);
  EXPECT_TRUE(empty.sequence.empty());
  RtValue zero = tv(i64({}, {0}));
  EXPECT_FALSE(run_values(make_node("SequenceAt", 2, 1), {&empty, &zero}).has_value());
  EXPECT_FALSE(run_values(omit_input(make_node("SequenceErase", 2, 1), 1), {&empty, nullptr}).has_value());
  RtValue f = tv(f32({1}, {1}));
  EXPECT_FALSE(run_values(omit_input(make_node("SequenceInsert", 3, 1), 2), {&empty, &f, nullptr}).has_value())
      << "a float tensor must not join an int64 sequence";
  RtValue x = tv(i64({1}, {1}));
  RtValue far = tv(i64({}, {2}));
  auto r = run_values(make_node("SequenceInsert", 3, 1), {&empty, &x, &far});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.status().message().find("SequenceInsert_test"), std::string::npos) << r.status().message();
  RtValue not_seq = tv(f32({1}, {1}));
  EXPECT_FALSE(run_values(make_node("SequenceLength", 1, 1), {&not_seq}).has_value());
}

TEST(DataSequence, SplitToSequenceAndBack) {
  RtValue x = tv(f32({2, 3}, {1, 2, 3, 4, 5, 6}));
  RtValue parts = run1(make_node("SplitToSequence", 1, 1, {{"axis", ai(1)}, {"keepdims", ai(0)}}), {&x});
  ASSERT_EQ(parts.sequence.size(), 3u);
  expect_equal(parts.sequence[2], f32({2}, {3, 6}));
  RtValue stacked = run1(make_node("ConcatFromSequence", 1, 1, {{"axis", ai(-1)}, {"new_axis", ai(1)}}), {&parts});
  expect_equal(stacked.tensor, x.tensor);

  RtValue two = tv(i64({}, {2}));
  RtValue chunks = run1(make_node("SplitToSequence", 2, 1, {{"axis", ai(1)}}), {&x, &two});
  ASSERT_EQ(chunks.sequence.size(), 2u);
  expect_equal(chunks.sequence[1], f32({2, 1}, {3, 6}));
  RtValue joined = run1(make_node("ConcatFromSequence", 1, 1, {{"axis", ai(1)}}), {&chunks});
  expect_equal(joined.tensor, x.tensor);

  RtValue sizes = tv(i32({2}, {1, 1}));
  RtValue rows = run1(make_node("SplitToSequence", 2, 1), {&x, &sizes});
  ASSERT_EQ(rows.sequence.size(), 2u);
  expect_equal(rows.sequence[0], f32({1, 3}, {1, 2, 3}));
  RtValue axis0 = run1(make_node("ConcatFromSequence", 1, 1, {{"axis", ai(0)}, {"new_axis", ai(1)}}), {&rows});
  EXPECT_EQ(axis0.tensor.shape(), (Shape{2, 1, 3}));

  RtValue huge = tv(Tensor(DType::kFloat32, {int64_t{1} << 30, 0}));
  EXPECT_FALSE(run_values(make_node("SplitToSequence", 1, 1), {&huge}).has_value()) << "too many items";
  RtValue bad = tv(i64({2}, {1, 3}));
  EXPECT_FALSE(run_values(make_node("SplitToSequence", 2, 1), {&x, &bad}).has_value());
  RtValue empty = run1(make_node("SequenceEmpty", 0, 1), {});
  EXPECT_FALSE(run_values(make_node("ConcatFromSequence", 1, 1, {{"axis", ai(0)}}), {&empty}).has_value());
  EXPECT_FALSE(run_values(make_node("SequenceConstruct", 2, 1), {&x, &two}).has_value()) << "dtypes differ";
}

TEST(DataOptional, WrapTestAndUnwrap) {
  RtValue x = tv(f32({2}, {1, 2}));
  RtValue opt = run1(make_node("Optional", 1, 1), {&x});
  ASSERT_EQ(opt.kind, ValueKind::kOptional);
  EXPECT_TRUE(opt.present);
  RtValue has = run1(make_node("OptionalHasElement", 1, 1), {&opt});
  EXPECT_TRUE(has.tensor.data<bool>()[0]);
  RtValue got = run1(make_node("OptionalGetElement", 1, 1), {&opt});
  expect_equal(got.tensor, x.tensor);

  RtValue none;
  none.kind = ValueKind::kOptional;
  none.present = false;
  none.elem_dtype = DType::kFloat32;
  RtValue hasnt = run1(make_node("OptionalHasElement", 1, 1), {&none});
  EXPECT_FALSE(hasnt.tensor.data<bool>()[0]);
  EXPECT_FALSE(run_values(make_node("OptionalGetElement", 1, 1), {&none}).has_value());
  RtValue absent = run1(omit_input(make_node("OptionalHasElement", 1, 1), 0), {nullptr}, 18);
  EXPECT_FALSE(absent.tensor.data<bool>()[0]);

  RtValue seq = run1(make_node("SequenceConstruct", 1, 1), {&x});
  RtValue oseq = run1(make_node("Optional", 1, 1), {&seq});
  EXPECT_TRUE(oseq.optional_of_sequence);
  RtValue back = run1(make_node("OptionalGetElement", 1, 1), {&oseq});
  ASSERT_EQ(back.kind, ValueKind::kSequence);
  EXPECT_EQ(back.sequence.size(), 1u);
  // A plain tensor counts as a present optional at any opset (Loop may carry one into an
  // optional body input).
  auto plain = run_values(make_node("OptionalGetElement", 1, 1), {&x}, 15);
  ASSERT_TRUE(plain.has_value()) << plain.status().to_string();
  EXPECT_EQ((*plain)[0].tensor.numel(), x.tensor.numel());
}

}  // namespace
}  // namespace lacuna::test
