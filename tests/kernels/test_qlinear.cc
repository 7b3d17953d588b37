// ONNX Runtime's QLinear* contrib ops against hand-computed values and a dequantize -> float op ->
// quantize oracle.
#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

const char* kMs = "com.microsoft";

Tensor u8(Shape s, std::vector<uint8_t> v) { return Tensor::from_vector<uint8_t>(std::move(s), v); }
Tensor i8(Shape s, std::vector<int8_t> v) { return Tensor::from_vector<int8_t>(std::move(s), v); }
Tensor sc(float v) { return Tensor::scalar<float>(v); }

uint8_t quantize_u8(double v, float scale, int zp) {
  return static_cast<uint8_t>(std::fmin(std::fmax(std::nearbyint(v / scale) + zp, 0.0), 255.0));
}

TEST(QLinearAdd, HandValuesAndBroadcast) {
  // a = [0, 5], b = [0, 2.5] (broadcast from one element and from two), c scale 0.5.
  auto y = run_op(make_node("QLinearAdd", 8, 1, {}, kMs),
                  {u8({2}, {10, 20}), sc(0.5f), Tensor::scalar<uint8_t>(10), u8({2}, {30, 40}), sc(0.25f),
                   Tensor::scalar<uint8_t>(30), sc(0.5f), Tensor::scalar<uint8_t>(0)});
  expect_equal(y[0], u8({2}, {0, 15}));
  y = run_op(make_node("QLinearAdd", 8, 1, {}, kMs),
             {u8({2, 2}, {10, 20, 30, 40}), sc(1.f), Tensor::scalar<uint8_t>(0), u8({1}, {250}), sc(1.f),
              Tensor::scalar<uint8_t>(0), sc(1.f), Tensor::scalar<uint8_t>(0)});
  expect_equal(y[0], u8({2, 2}, {255, 255, 255, 255}));
}

TEST(QLinearMul, HandValuesInt8) {
  auto y = run_op(make_node("QLinearMul", 8, 1, {}, kMs),
                  {i8({3}, {10, -20, 4}), sc(0.5f), Tensor::scalar<int8_t>(0), i8({3}, {4, 4, 1}), sc(0.25f),
                   Tensor::scalar<int8_t>(0), sc(0.1f), Tensor::scalar<int8_t>(1)});
  // Products 5 * 1 = 5, -10 * 1 = -10, 2 * 0.25 = 0.5 over 0.1, plus 1: 51, -99, 6.
  expect_equal(y[0], i8({3}, {51, -99, 6}));
}

TEST(QLinearSigmoid, MatchesOracle) {
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  auto y = run_op(
      make_node("QLinearSigmoid", 5, 1, {}, kMs),
      {u8({256}, all), sc(0.05f), Tensor::scalar<uint8_t>(128), sc(1.f / 256), Tensor::scalar<uint8_t>(0)});
  int bad = 0;
  for (int i = 0; i < 256; ++i) {
    const double v = (i - 128) * 0.05;
    const uint8_t want = quantize_u8(1.0 / (1.0 + std::exp(-v)), 1.f / 256, 0);
    bad += std::abs(y[0].data<uint8_t>()[i] - want) > 0 ? 1 : 0;
  }
  EXPECT_EQ(bad, 0);
}

TEST(QLinearLeakyRelu, HandValues) {
  auto y =
      run_op(make_node("QLinearLeakyRelu", 5, 1, {{"alpha", Attribute::of_float(0.5f)}}, kMs),
             {i8({3}, {-10, 0, 10}), sc(1.f), Tensor::scalar<int8_t>(0), sc(1.f), Tensor::scalar<int8_t>(0)});
  expect_equal(y[0], i8({3}, {-5, 0, 10}));
}

TEST(QLinearConcat, RequantizesEachInput) {
  auto y =
      run_op(make_node("QLinearConcat", 8, 1, {{"axis", Attribute::of_int(1)}}, kMs),
             {sc(1.f), Tensor::scalar<uint8_t>(10), u8({2, 1}, {1, 2}), sc(2.f), Tensor::scalar<uint8_t>(0),
              u8({2, 2}, {5, 6, 7, 8}), sc(1.f), Tensor::scalar<uint8_t>(5)});
  expect_equal(y[0], u8({2, 3}, {12, 10, 11, 14, 12, 13}));
  EXPECT_FALSE(
      try_run_op(make_node("QLinearConcat", 8, 1, {{"axis", Attribute::of_int(0)}}, kMs),
                 {sc(1.f), Tensor::scalar<uint8_t>(10), u8({2, 1}, {1, 2}), sc(2.f),
                  Tensor::scalar<uint8_t>(0), u8({2, 2}, {5, 6, 7, 8}), sc(1.f), Tensor::scalar<uint8_t>(5)})
          .is_ok());
}

TEST(QLinearGlobalAveragePool, NchwAndChannelsLast) {
  // Two channels of 2x2: sums 10 and 26 above the zero point 1, averages 2.5 and 6.5.
  const Tensor nchw = u8({1, 2, 2, 2}, {2, 3, 4, 5, 6, 7, 8, 9});
  auto y = run_op(make_node("QLinearGlobalAveragePool", 5, 1, {}, kMs),
                  {nchw, sc(1.f), Tensor::scalar<uint8_t>(1), sc(0.5f), Tensor::scalar<uint8_t>(3)});
  expect_equal(y[0], u8({1, 2, 1, 1}, {8, 16}));
  const Tensor nhwc = u8({1, 2, 2, 2}, {2, 6, 3, 7, 4, 8, 5, 9});
  y = run_op(make_node("QLinearGlobalAveragePool", 5, 1, {{"channels_last", Attribute::of_int(1)}}, kMs),
             {nhwc, sc(1.f), Tensor::scalar<uint8_t>(1), sc(0.5f), Tensor::scalar<uint8_t>(3)});
  expect_equal(y[0], u8({1, 1, 1, 2}, {8, 16}));
}

TEST(QLinearAveragePool, PaddingCountsAndChannelsLast) {
  const Tensor x = u8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ir::Attributes a{{"kernel_shape", Attribute::of_ints({2, 2})}, {"pads", Attribute::of_ints({1, 1, 0, 0})}};
  auto y = run_op(make_node("QLinearAveragePool", 5, 1, a, kMs),
                  {x, sc(1.f), Tensor::scalar<uint8_t>(0), sc(1.f), Tensor::scalar<uint8_t>(0)});
  // Windows at (-1..0) x (-1..0) etc.: averages of the inside taps only.
  expect_equal(y[0], u8({1, 1, 3, 3}, {1, 2, 2, 2, 3, 4, 6, 6, 7}));
  a["count_include_pad"] = Attribute::of_int(1);
  y = run_op(make_node("QLinearAveragePool", 5, 1, a, kMs),
             {x, sc(1.f), Tensor::scalar<uint8_t>(0), sc(1.f), Tensor::scalar<uint8_t>(0)});
  expect_equal(y[0], u8({1, 1, 3, 3}, {0, 1, 1, 1, 3, 4, 3, 6, 7}));

  // channels_last gives the transposed result of the NCHW pool.
  const Tensor nchw = random_tensor(DType::kUint8, {2, 3, 5, 4}, 5, 0, 256);
  Tensor nhwc(DType::kUint8, {2, 5, 4, 3});
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int s = 0; s < 20; ++s)
        nhwc.data<uint8_t>()[(n * 20 + s) * 3 + c] = nchw.data<uint8_t>()[(n * 3 + c) * 20 + s];
  ir::Attributes b{{"kernel_shape", Attribute::of_ints({3, 2})},
                   {"strides", Attribute::of_ints({2, 2})},
                   {"ceil_mode", Attribute::of_int(1)}};
  auto p = run_op(make_node("QLinearAveragePool", 5, 1, b, kMs),
                  {nchw, sc(0.1f), Tensor::scalar<uint8_t>(7), sc(0.2f), Tensor::scalar<uint8_t>(9)});
  b["channels_last"] = Attribute::of_int(1);
  auto q = run_op(make_node("QLinearAveragePool", 5, 1, b, kMs),
                  {nhwc, sc(0.1f), Tensor::scalar<uint8_t>(7), sc(0.2f), Tensor::scalar<uint8_t>(9)});
  ASSERT_EQ(p[0].shape(), (Shape{2, 3, 2, 2}));
  ASSERT_EQ(q[0].shape(), (Shape{2, 2, 2, 3}));
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int s = 0; s < 4; ++s) {
        EXPECT_EQ(p[0].data<uint8_t>()[(n * 3 + c) * 4 + s], q[0].data<uint8_t>()[(n * 4 + s) * 3 + c]);
      }
}

TEST(QLinearAveragePool, MissingKernelShapeIsAnError) {
  EXPECT_FALSE(try_run_op(make_node("QLinearAveragePool", 5, 1, {}, kMs),
                          {u8({1, 1, 2, 2}, {1, 2, 3, 4}), sc(1.f), Tensor::scalar<uint8_t>(0), sc(1.f),
                           Tensor::scalar<uint8_t>(0)})
                   .is_ok());
}

}  // namespace
}  // namespace lacuna::test
