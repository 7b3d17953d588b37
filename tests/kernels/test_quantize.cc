// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear against hand-computed values.
#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor u8(Shape s, std::vector<uint8_t> v) { return Tensor::from_vector<uint8_t>(std::move(s), v); }
Tensor i8(Shape s, std::vector<int8_t> v) { return Tensor::from_vector<int8_t>(std::move(s), v); }

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturates) {
  const Tensor x = f32({7}, {0, 2, 3, 5, 1000, -254, -1000});
  auto y = run_op(make_node("QuantizeLinear", 3, 1),
                  {x, Tensor::scalar<float>(2.f), Tensor::scalar<uint8_t>(128)});
  expect_equal(y[0], u8({7}, {128, 129, 130, 130, 255, 1, 0}));
  y = run_op(make_node("QuantizeLinear", 3, 1), {x, Tensor::scalar<float>(2.f), Tensor::scalar<int8_t>(-1)});
  expect_equal(y[0], i8({7}, {-1, 0, 1, 1, 127, -128, -128}));
}

TEST(QuantizeLinear, DefaultsToUint8WithoutZeroPoint) {
  auto y =
      run_op(make_node("QuantizeLinear", 2, 1), {f32({3}, {-1, 0.5f, 1.5f}), Tensor::scalar<float>(1.f)}, 10);
  expect_equal(y[0], u8({3}, {0, 0, 2}));
}

TEST(QuantizeLinear, PerAxis) {
  const Tensor x = f32({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor scale = f32({2}, {1, 2});
  const Tensor zp = i8({2}, {0, 10});
  auto y = run_op(make_node("QuantizeLinear", 3, 1), {x, scale, zp});  // axis 1
  expect_equal(y[0], i8({2, 2, 2}, {1, 2, 12, 12, 5, 6, 14, 14}));
  y = run_op(make_node("QuantizeLinear", 3, 1, {{"axis", Attribute::of_int(-1)}}), {x, scale, zp});
  expect_equal(y[0], i8({2, 2, 2}, {1, 11, 3, 12, 5, 13, 7, 14}));
}

TEST(QuantizeLinear, EmptyInputWithHugeDimsReturnsAtOnce) {
  // [2^30, 3, 0] per axis 1 (found by the fuzzer: the kernel walked 3 * 2^30 channel rows of
  // nothing, 41 s under sanitizers).
  const Tensor x = Tensor::create(DType::kFloat32, {int64_t{1} << 30, 3, 0}).value();
  const Tensor scale = f32({3}, {1, 2, 4});
  const Tensor zp = u8({3}, {0, 1, 2});
  const auto y = run_op(make_node("QuantizeLinear", 3, 1), {x, scale, zp});
  EXPECT_EQ(y[0].shape(), (Shape{int64_t{1} << 30, 3, 0}));
  const auto back = run_op(make_node("DequantizeLinear", 3, 1), {y[0], scale, zp});
  EXPECT_EQ(back[0].shape(), (Shape{int64_t{1} << 30, 3, 0}));
}

TEST(QuantizeLinear, BadParametersAreErrors) {
  const Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_FALSE(try_run_op(make_node("QuantizeLinear", 2, 1), {x, f32({2}, {1, 1})}).is_ok());  // axis 1 has 3
  EXPECT_FALSE(try_run_op(make_node("QuantizeLinear", 2, 1), {x, f32({3}, {1, 1, 1})}, 10).is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("QuantizeLinear", 3, 1), {x, f32({3}, {1, 1, 1}), u8({2}, {0, 0})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("QuantizeLinear", 2, 1, {{"axis", Attribute::of_int(2)}}),
                          {x, f32({3}, {1, 1, 1})})
                   .is_ok());
}

TEST(DequantizeLinear, PerTensorAndInt32) {
  auto y = run_op(make_node("DequantizeLinear", 3, 1),
                  {u8({4}, {0, 3, 128, 255}), Tensor::scalar<float>(2.f), Tensor::scalar<uint8_t>(128)});
  expect_close(y[0], f32({4}, {-256, -250, 0, 254}));
  y = run_op(make_node("DequantizeLinear", 2, 1),
             {Tensor::from_vector<int32_t>({2}, {-5, 10}), Tensor::scalar<float>(0.5f)});
  expect_close(y[0], f32({2}, {-2.5f, 5}));
}

TEST(DequantizeLinear, PerAxisRoundTrip) {
  const Tensor q = i8({1, 3, 2}, {-128, 127, 0, 5, 10, -10});
  const Tensor scale = f32({3}, {0.5f, 1, 0.25f});
  const Tensor zp = i8({3}, {0, 5, -10});
  auto x = run_op(make_node("DequantizeLinear", 3, 1), {q, scale, zp});
  expect_close(x[0], f32({1, 3, 2}, {-64, 63.5f, -5, 0, 5, 0}));
  auto back = run_op(make_node("QuantizeLinear", 3, 1), {x[0], scale, zp});
  expect_equal(back[0], q);
}

TEST(DequantizeLinear, ZeroPointDtypeMustMatch) {
  EXPECT_FALSE(try_run_op(make_node("DequantizeLinear", 3, 1),
                          {u8({2}, {1, 2}), Tensor::scalar<float>(1.f), Tensor::scalar<int8_t>(0)})
                   .is_ok());
}

TEST(DynamicQuantizeLinear, OnnxExample) {
  auto y = run_op(make_node("DynamicQuantizeLinear", 1, 3), {f32({6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})});
  expect_equal(y[0], u8({6}, {153, 255, 0, 26, 221, 179}));
  expect_close(y[1], Tensor::scalar<float>(5.f / 255.f));
  expect_equal(y[2], Tensor::scalar<uint8_t>(153));
}

TEST(DynamicQuantizeLinear, AllZeroAndEmpty) {
  auto y = run_op(make_node("DynamicQuantizeLinear", 1, 3), {f32({3}, {0, 0, 0})});
  expect_equal(y[0], u8({3}, {0, 0, 0}));
  expect_equal(y[2], Tensor::scalar<uint8_t>(0));
  y = run_op(make_node("DynamicQuantizeLinear", 1, 3), {Tensor(DType::kFloat32, {0})});
  EXPECT_EQ(y[0].numel(), 0);
}

}  // namespace
}  // namespace lacuna::test
