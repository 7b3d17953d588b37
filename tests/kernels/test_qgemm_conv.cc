// ConvInteger, QLinearConv, MatMulInteger and QLinearMatMul against ONNX's examples and a direct
// (non-im2col) convolution / triple-loop matmul oracle.
#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

Tensor u8(Shape s, std::vector<uint8_t> v) { return Tensor::from_vector<uint8_t>(std::move(s), v); }
Tensor i32(Shape s, std::vector<int32_t> v) { return Tensor::from_vector<int32_t>(std::move(s), v); }
Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }

// Direct 2-D convolution of (x - xz) with (w - wz[m]), NCHW, explicit pads.
struct Conv2d {
  int64_t group = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
};
Tensor direct_conv(const Tensor& x, int32_t xz, const Tensor& w, const std::vector<int32_t>& wz,
                   const Conv2d& p) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t m = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t oh = (h + p.pt + p.pb - ((kh - 1) * p.dh + 1)) / p.sh + 1;
  const int64_t ow = (wd + p.pl + p.pr - ((kw - 1) * p.dw + 1)) / p.sw + 1;
  Tensor y(DType::kInt32, {n, m, oh, ow});
  const auto xv = x.to_int64_vector();
  const auto wv = w.to_int64_vector();
  const int64_t mg = m / p.group;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t acc = 0;
          const int64_t g = oc / mg;
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t bb = 0; bb < kw; ++bb) {
                const int64_t yy = i * p.sh - p.pt + a * p.dh, xx = j * p.sw - p.pl + bb * p.dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                const int64_t xval = xv[static_cast<size_t>(((b * c + g * cg + ic) * h + yy) * wd + xx)] - xz;
                const int64_t wval = wv[static_cast<size_t>(((oc * cg + ic) * kh + a) * kw + bb)] -
                                     wz[static_cast<size_t>(oc)];
                acc += xval * wval;
              }
          y.data<int32_t>()[((b * m + oc) * oh + i) * ow + j] = static_cast<int32_t>(acc);
        }
  return y;
}

ir::Attributes conv_attrs(const Conv2d& p) {
  return {{"group", Attribute::of_int(p.group)},
          {"strides", Attribute::of_ints({p.sh, p.sw})},
          {"dilations", Attribute::of_ints({p.dh, p.dw})},
          {"pads", Attribute::of_ints({p.pt, p.pl, p.pb, p.pr})}};
}

TEST(ConvInteger, OnnxExample) {
  const Tensor x = u8({1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10});
  const Tensor w = u8({1, 1, 2, 2}, {1, 1, 1, 1});
  auto y = run_op(make_node("ConvInteger", 3, 1), {x, w, Tensor::scalar<uint8_t>(1)});
  expect_equal(y[0], i32({1, 1, 2, 2}, {12, 16, 24, 28}));
  // Padding contributes nothing: padded taps read the zero point.
  y = run_op(make_node("ConvInteger", 3, 1, {{"pads", Attribute::of_ints({1, 1, 1, 1})}}),
             {x, w, Tensor::scalar<uint8_t>(1)});
  expect_equal(y[0], i32({1, 1, 4, 4}, {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9}));
}

TEST(ConvInteger, MatchesDirectConvolution) {
  const Conv2d cases[] = {{1, 1, 1, 1, 1, 0, 0, 0, 0},
                          {2, 2, 1, 1, 2, 1, 0, 2, 1},
                          {4, 1, 2, 2, 1, 1, 1, 1, 1},
                          {1, 3, 3, 1, 1, 2, 2, 0, 0}};
  uint64_t seed = 1;
  for (const Conv2d& p : cases) {
    const Tensor x = random_tensor(DType::kUint8, {2, 4, 7, 6}, seed++, 0, 256);
    const Tensor w = random_tensor(DType::kInt8, {8, 4 / p.group, 3, 2}, seed++, -128, 128);
    const Tensor wz = Tensor::from_vector<int8_t>({8}, {0, 1, -1, 5, -7, 3, 2, -128});
    auto y = run_op(make_node("ConvInteger", 4, 1, conv_attrs(p)), {x, w, Tensor::scalar<uint8_t>(131), wz});
    expect_equal(y[0], direct_conv(x, 131, w, {0, 1, -1, 5, -7, 3, 2, -128}, p),
                 "group " + std::to_string(p.group));
  }
}

TEST(ConvInteger, LargeImageSpansSeveralPositionBlocks) {
  const Conv2d p{1, 1, 1, 1, 1, 1, 1, 1, 1};
  const Tensor x = random_tensor(DType::kInt8, {1, 3, 23, 19}, 41, -128, 128);
  const Tensor w = random_tensor(DType::kInt8, {2, 3, 3, 3}, 42, -128, 128);
  auto y = run_op(make_node("ConvInteger", 4, 1, conv_attrs(p)),
                  {x, w, Tensor::scalar<int8_t>(-4), Tensor::from_vector<int8_t>({2}, {3, -3})});
  expect_equal(y[0], direct_conv(x, -4, w, {3, -3}, p));
}

TEST(ConvInteger, OneDimensionalAndAutoPad) {
  const Tensor x = u8({1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor w = u8({1, 1, 3}, {1, 1, 1});
  auto y = run_op(make_node("ConvInteger", 2, 1, {{"auto_pad", Attribute::of_string("SAME_UPPER")}}), {x, w});
  expect_equal(y[0], i32({1, 1, 5}, {3, 6, 9, 12, 9}));
  y = run_op(make_node("ConvInteger", 2, 1, {{"strides", Attribute::of_ints({2})}}), {x, w});
  expect_equal(y[0], i32({1, 1, 2}, {6, 12}));
}

TEST(ConvInteger, BadShapesAreErrors) {
  const Tensor x = u8({1, 2, 3, 3}, std::vector<uint8_t>(18, 1));
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1), {x, u8({1, 3, 2, 2}, std::vector<uint8_t>(12, 1))}).is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1), {x, u8({1, 2, 4, 4}, std::vector<uint8_t>(32, 1))}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("ConvInteger", 2, 1, {{"group", Attribute::of_int(2)}}),
                          {x, u8({3, 1, 2, 2}, std::vector<uint8_t>(12, 1))})
                   .is_ok());
  const Tensor w = u8({1, 2, 2, 2}, std::vector<uint8_t>(8, 1));
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1, {{"group", Attribute::of_int(int64_t{1} << 62)}}), {x, w})
          .is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1, {{"strides", Attribute::of_ints({int64_t{1} << 62, 1})}}),
                 {x, w})
          .is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1, {{"pads", Attribute::of_ints({-1, 0, 0, 0})}}), {x, w})
          .is_ok());
  EXPECT_FALSE(
      try_run_op(make_node("ConvInteger", 2, 1, {{"auto_pad", Attribute::of_string("FULL")}}), {x, w})
          .is_ok());
}

TEST(QLinearConv, PerChannelRequantizationMatchesOracle) {
  const Conv2d p{2, 1, 2, 1, 1, 1, 1, 1, 0};
  const Tensor x = random_tensor(DType::kUint8, {1, 4, 6, 5}, 21, 0, 256);
  const Tensor w = random_tensor(DType::kInt8, {6, 2, 3, 3}, 22, -128, 128);
  const Tensor w_scale = f32({6}, {0.01f, 0.02f, 0.005f, 0.03f, 0.011f, 0.002f});
  const Tensor w_zp = Tensor::from_vector<int8_t>({6}, {0, 0, 0, 0, 0, 0});
  const Tensor bias = i32({6}, {100, -200, 0, 5000, -7, 1});
  const float x_scale = 0.05f, y_scale = 0.3f;
  const uint8_t x_zp = 120, y_zp = 100;
  auto y = run_op(make_node("QLinearConv", 9, 1, conv_attrs(p)),
                  {x, Tensor::scalar<float>(x_scale), Tensor::scalar<uint8_t>(x_zp), w, w_scale, w_zp,
                   Tensor::scalar<float>(y_scale), Tensor::scalar<uint8_t>(y_zp), bias});
  const Tensor acc = direct_conv(x, x_zp, w, std::vector<int32_t>(6, 0), p);
  Tensor want(DType::kUint8, acc.shape());
  const int64_t spatial = acc.dim(2) * acc.dim(3);
  for (int64_t i = 0; i < acc.numel(); ++i) {
    const int64_t m = i / spatial;
    const float mult = x_scale * w_scale.data<float>()[m] / y_scale;
    const float v =
        std::nearbyint(static_cast<float>(acc.data<int32_t>()[i] + bias.data<int32_t>()[m]) * mult) + y_zp;
    want.data<uint8_t>()[i] = static_cast<uint8_t>(std::fmin(std::fmax(v, 0.f), 255.f));
  }
  expect_equal(y[0], want);
}

TEST(QLinearConv, BadScaleShapeIsAnError) {
  const Tensor x = u8({1, 1, 3, 3}, std::vector<uint8_t>(9, 1));
  const Tensor w = u8({2, 1, 2, 2}, std::vector<uint8_t>(8, 1));
  EXPECT_FALSE(
      try_run_op(make_node("QLinearConv", 8, 1),
                 {x, Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(0), w, f32({3}, {1, 1, 1}),
                  Tensor::scalar<uint8_t>(0), Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(0)})
          .is_ok());
}

TEST(MatMulInteger, OnnxExample) {
  const Tensor a = u8({4, 3}, {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0});
  const Tensor b = u8({3, 2}, {1, 4, 2, 5, 3, 6});
  auto y = run_op(make_node("MatMulInteger", 4, 1),
                  {a, b, Tensor::scalar<uint8_t>(12), Tensor::scalar<uint8_t>(0)});
  expect_equal(y[0], i32({4, 2}, {-38, -83, -44, -98, -50, -113, -56, -128}));
}

TEST(MatMulInteger, BroadcastBatchPerColumnZeroPointAndVectors) {
  const Tensor a = random_tensor(DType::kInt8, {2, 1, 3, 4}, 31, -128, 128);
  const Tensor b = random_tensor(DType::kUint8, {3, 4, 5}, 32, 0, 256);
  const std::vector<uint8_t> bz = {1, 2, 3, 4, 255};
  auto y = run_op(make_node("MatMulInteger", 4, 1), {a, b, Tensor::scalar<int8_t>(-3), u8({5}, bz)});
  ASSERT_EQ(y[0].shape(), (Shape{2, 3, 3, 5}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t m = 0; m < 3; ++m)
        for (int64_t n = 0; n < 5; ++n) {
          int32_t acc = 0;
          for (int64_t k = 0; k < 4; ++k) {
            acc += (a.data<int8_t>()[(i * 3 + m) * 4 + k] + 3) *
                   (b.data<uint8_t>()[(j * 4 + k) * 5 + n] - bz[n]);
          }
          EXPECT_EQ(y[0].data<int32_t>()[((i * 3 + j) * 3 + m) * 5 + n], acc);
        }
  // 1-D operands: vector x matrix and matrix x vector drop the unit dim.
  auto v = run_op(make_node("MatMulInteger", 2, 1), {u8({2}, {1, 2}), u8({2, 2}, {1, 2, 3, 4})});
  expect_equal(v[0], i32({2}, {7, 10}));
  v = run_op(make_node("MatMulInteger", 2, 1), {u8({2, 2}, {1, 2, 3, 4}), u8({2}, {1, 2})});
  expect_equal(v[0], i32({2}, {5, 11}));
  EXPECT_FALSE(try_run_op(make_node("MatMulInteger", 2, 1), {u8({2, 3}, {1, 2, 3, 4, 5, 6}), u8({2}, {1, 2})})
                   .is_ok());
}

TEST(QLinearMatMul, OnnxExample) {
  const Tensor a = u8({2, 4}, {208, 236, 0, 238, 3, 214, 255, 29});
  const Tensor b = u8({4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247});
  auto y = run_op(
      make_node("QLinearMatMul", 8, 1),
      {a, Tensor::scalar<float>(0.0066f), Tensor::scalar<uint8_t>(113), b, Tensor::scalar<float>(0.00705f),
       Tensor::scalar<uint8_t>(114), Tensor::scalar<float>(0.0107f), Tensor::scalar<uint8_t>(118)});
  expect_equal(y[0], u8({2, 3}, {168, 115, 255, 1, 66, 151}));
}

TEST(QLinearMatMul, PerColumnWeightScalesInt8) {
  const Tensor a = u8({1, 2}, {10, 20});
  const Tensor b = Tensor::from_vector<int8_t>({2, 2}, {1, -2, 3, 4});
  auto y = run_op(
      make_node("QLinearMatMul", 8, 1),
      {a, Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(0), b, f32({2}, {1.f, 0.5f}),
       Tensor::from_vector<int8_t>({2}, {0, 0}), Tensor::scalar<float>(2.f), Tensor::scalar<int8_t>(-5)});
  // Accumulators [70, 60]; times [0.5, 0.25]: [35, 15]; plus -5.
  expect_equal(y[0], Tensor::from_vector<int8_t>({1, 2}, {30, 10}));
}

}  // namespace
}  // namespace lacuna::test
