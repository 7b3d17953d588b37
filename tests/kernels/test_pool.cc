// Pooling operators against a direct 2-D window loop and hand-computed values: MaxPool (with
// Indices), AveragePool, LpPool, the global pools, MaxUnpool and MaxRoiPool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

enum class Kind { kMax, kAvg, kAvgPad, kLp2 };

struct Window {
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

// Direct 2-D pooling of one plane; output size given.
std::vector<double> direct_pool(const std::vector<double>& x, int64_t h, int64_t w, const Window& q, int64_t oh,
                                int64_t ow, Kind kind) {
  std::vector<double> y;
  for (int64_t i = 0; i < oh; ++i) {
    for (int64_t j = 0; j < ow; ++j) {
      double acc = kind == Kind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
      int64_t count = 0, padded = 0;
      for (int64_t a = 0; a < q.kh; ++a) {
        for (int64_t b = 0; b < q.kw; ++b) {
          const int64_t r = i * q.sh - q.pt + a * q.dh, c = j * q.sw - q.pl + b * q.dw;
          if (r >= -q.pt && r < h + q.pb && c >= -q.pl && c < w + q.pr) ++padded;
          if (r < 0 || r >= h || c < 0 || c >= w) continue;
          const double v = x[static_cast<size_t>(r * w + c)];
          ++count;
          if (kind == Kind::kMax) acc = std::max(acc, v);
          else if (kind == Kind::kLp2) acc += v * v;
          else acc += v;
        }
      }
      if (kind == Kind::kAvg) acc /= static_cast<double>(count);
      if (kind == Kind::kAvgPad) acc /= static_cast<double>(padded);
      if (kind == Kind::kLp2) acc = std::sqrt(acc);
      y.push_back(acc);
    }
  }
  return y;
}

ir::Attributes window_attrs(const Window& q, bool ceil_mode = false) {
  return {{"kernel_shape", Attribute::of_ints({q.kh, q.kw})},
          {"strides", Attribute::of_ints({q.sh, q.sw})},
          {"dilations", Attribute::of_ints({q.dh, q.dw})},
          {"pads", Attribute::of_ints({q.pt, q.pl, q.pb, q.pr})},
          {"ceil_mode", Attribute::of_int(ceil_mode ? 1 : 0)}};
}

TEST(NnPool, TwoDimensionalMatchesDirect) {
  const int64_t h = 7, w = 6;
  Tensor x = random_tensor(DType::kFloat32, {2, 3, h, w}, 3);
  const std::vector<Window> windows = {{2, 2, 2, 2, 1, 1, 0, 0, 0, 0},
                                       {3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
                                       {3, 2, 2, 1, 1, 1, 1, 0, 2, 1},
                                       {2, 3, 1, 2, 2, 1, 0, 1, 0, 1}};
  for (const Window& q : windows) {
    const int64_t oh = (h + q.pt + q.pb - ((q.kh - 1) * q.dh + 1)) / q.sh + 1;
    const int64_t ow = (w + q.pl + q.pr - ((q.kw - 1) * q.dw + 1)) / q.sw + 1;
    const auto xv = x.to_double_vector();
    for (Kind kind : {Kind::kMax, Kind::kAvg, Kind::kAvgPad, Kind::kLp2}) {
      ir::Attributes attrs = window_attrs(q);
      const char* op = kind == Kind::kMax ? "MaxPool" : kind == Kind::kLp2 ? "LpPool" : "AveragePool";
      if (kind == Kind::kAvgPad) attrs["count_include_pad"] = Attribute::of_int(1);
      if (kind == Kind::kLp2) attrs["p"] = Attribute::of_int(2);
      auto y = run_op(make_node(op, 1, 1, attrs), {x}, 18);
      std::vector<float> expect;
      for (int64_t plane = 0; plane < 6; ++plane) {
        std::vector<double> xp(xv.begin() + plane * h * w, xv.begin() + (plane + 1) * h * w);
        for (double v : direct_pool(xp, h, w, q, oh, ow, kind)) expect.push_back(static_cast<float>(v));
      }
      expect_close(y[0], Tensor::from_vector<float>({2, 3, oh, ow}, expect), 1e-5, 1e-6, op);
    }
  }
}

TEST(NnPool, MaxPoolIndicesBothStorageOrders) {
  // 1x2x3x3 planes; a 2x2 window with stride 1: indices count the batch/channel offset.
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 3}, {1, 9, 2, 3, 4, 5, 8, 6, 7,  //
                                                       0, 0, 0, 0, 0, 1, 0, 0, 0});
  ir::Attributes attrs = {{"kernel_shape", Attribute::of_ints({2, 2})}};
  auto y = run_op(make_node("MaxPool", 1, 2, attrs), {x}, 12);
  expect_equal(y[0], Tensor::from_vector<float>({1, 2, 2, 2}, {9, 9, 8, 7, 0, 1, 0, 1}));
  // Ties keep the first maximum in window order.
  expect_equal(y[1], Tensor::from_vector<int64_t>({1, 2, 2, 2}, {1, 1, 6, 8, 9, 14, 12, 14}));
  attrs["storage_order"] = Attribute::of_int(1);
  auto yc = run_op(make_node("MaxPool", 1, 2, attrs), {x}, 12);
  // Column-major: offset = col * 3 + row within the plane.
  expect_equal(yc[1], Tensor::from_vector<int64_t>({1, 2, 2, 2}, {3, 3, 2, 8, 9, 16, 10, 16}));
}

TEST(NnPool, CeilModeIntegersAndOtherRanks) {
  Tensor x = Tensor::from_vector<float>({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  ir::Attributes attrs = {{"kernel_shape", Attribute::of_ints({3, 3})}, {"strides", Attribute::of_ints({2, 2})},
                          {"ceil_mode", Attribute::of_int(1)}};
  expect_equal(run_op(make_node("MaxPool", 1, 1, attrs), {x})[0], Tensor::from_vector<float>({1, 1, 2, 2}, {11, 12, 15, 16}));
  expect_close(run_op(make_node("AveragePool", 1, 1, attrs), {x})[0],
               Tensor::from_vector<float>({1, 1, 2, 2}, {6, 7.5, 12, 13.5}));
  // uint8 and int8 inputs keep their type.
  Tensor u = Tensor::from_vector<uint8_t>({1, 1, 2, 2}, {3, 250, 7, 1});
  expect_equal(run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})}}), {u})[0],
               Tensor::from_vector<uint8_t>({1, 1, 1, 1}, {250}));
  Tensor s = Tensor::from_vector<int8_t>({1, 1, 3}, {-5, -7, -128});
  expect_equal(run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({2})}}), {s})[0],
               Tensor::from_vector<int8_t>({1, 1, 2}, {-5, -7}));
  // 3-D average over a 2x2x2 cube.
  Tensor c = Tensor::from_vector<float>({1, 1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expect_close(run_op(make_node("AveragePool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2, 2})}}), {c})[0],
               Tensor::from_vector<float>({1, 1, 1, 1, 1}, {4.5}));
  // SAME_UPPER keeps the size with stride 1.
  auto same = run_op(make_node("AveragePool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})},
                                                     {"auto_pad", Attribute::of_string("SAME_UPPER")}}),
                     {x})[0];
  ASSERT_EQ(same.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_FLOAT_EQ(same.data<float>()[15], 16.f);  // the corner window sees only itself
  EXPECT_FLOAT_EQ(same.data<float>()[0], 3.5f);   // (1 + 2 + 5 + 6) / 4
}

TEST(NnPool, GlobalPools) {
  Tensor x = Tensor::from_vector<float>({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, 6});
  expect_close(run_op(make_node("GlobalAveragePool", 1, 1), {x})[0], Tensor::from_vector<float>({1, 2, 1, 1}, {2.5, 0}));
  expect_close(run_op(make_node("GlobalMaxPool", 1, 1), {x})[0], Tensor::from_vector<float>({1, 2, 1, 1}, {4, 6}));
  expect_close(run_op(make_node("GlobalLpPool", 1, 1), {x})[0],
               Tensor::from_vector<float>({1, 2, 1, 1}, {std::sqrt(30.f), std::sqrt(50.f)}));
  expect_close(run_op(make_node("GlobalLpPool", 1, 1, {{"p", Attribute::of_int(1)}}), {x})[0],
               Tensor::from_vector<float>({1, 2, 1, 1}, {10, 12}));
  Tensor v = Tensor::from_vector<double>({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  expect_close(run_op(make_node("GlobalAveragePool", 1, 1), {v})[0], Tensor::from_vector<double>({2, 1, 1}, {2, 5}));
  EXPECT_FALSE(try_run_op(make_node("GlobalAveragePool", 1, 1), {Tensor(DType::kFloat32, {3})}).is_ok());
}

TEST(NnPool, MaxUnpoolInvertsMaxPool) {
  Tensor x = random_tensor(DType::kFloat32, {1, 2, 4, 4}, 9);
  ir::Attributes attrs = {{"kernel_shape", Attribute::of_ints({2, 2})}, {"strides", Attribute::of_ints({2, 2})}};
  auto pooled = run_op(make_node("MaxPool", 1, 2, attrs), {x});
  auto y = run_op(make_node("MaxUnpool", 2, 1, attrs), {pooled[0], pooled[1]})[0];
  ASSERT_EQ(y.shape(), x.shape());
  // Every maximum is back in place, everything else is zero.
  int nonzero = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    if (y.data<float>()[i] != 0.f) {
      ++nonzero;
      EXPECT_EQ(y.data<float>()[i], x.data<float>()[i]);
    }
  }
  EXPECT_EQ(nonzero, 8);
  // A larger output_shape keeps each value at the same coordinates.
  Tensor shape = Tensor::from_vector<int64_t>({4}, {1, 2, 5, 5});
  auto big = run_op(make_node("MaxUnpool", 3, 1, attrs), {pooled[0], pooled[1], shape})[0];
  ASSERT_EQ(big.shape(), (Shape{1, 2, 5, 5}));
  const int64_t first = pooled[1].data<int64_t>()[0];  // within plane 0
  EXPECT_EQ(big.data<float>()[first / 4 * 5 + first % 4], pooled[0].data<float>()[0]);
  // Out-of-range indices and a too-small output_shape are errors.
  Tensor bad = pooled[1].clone();
  bad.data<int64_t>()[3] = 1000;
  EXPECT_FALSE(try_run_op(make_node("MaxUnpool", 2, 1, attrs), {pooled[0], bad}).is_ok());
  bad.data<int64_t>()[3] = -1;
  EXPECT_FALSE(try_run_op(make_node("MaxUnpool", 2, 1, attrs), {pooled[0], bad}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MaxUnpool", 3, 1, attrs),
                          {pooled[0], pooled[1], Tensor::from_vector<int64_t>({4}, {1, 2, 3, 3})}).is_ok());
}

TEST(NnPool, MaxRoiPool) {
  std::vector<float> xv(16);
  for (int i = 0; i < 16; ++i) xv[static_cast<size_t>(i)] = static_cast<float>(i);
  Tensor x = Tensor::from_vector<float>({1, 1, 4, 4}, xv);
  // The whole image in 2x2 bins, and the single top-left pixel.
  Tensor rois = Tensor::from_vector<float>({2, 5}, {0, 0, 0, 3, 3, 0, 0, 0, 0, 0});
  auto y = run_op(make_node("MaxRoiPool", 2, 1, {{"pooled_shape", Attribute::of_ints({2, 2})}}), {x, rois})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 1, 2, 2}));
  expect_equal(y, Tensor::from_vector<float>({2, 1, 2, 2}, {5, 7, 13, 15, 0, 0, 0, 0}));
  Tensor bad = Tensor::from_vector<float>({1, 5}, {3, 0, 0, 1, 1});
  EXPECT_FALSE(try_run_op(make_node("MaxRoiPool", 2, 1, {{"pooled_shape", Attribute::of_ints({2, 2})}}), {x, bad}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MaxRoiPool", 2, 1), {x, rois}).is_ok());
}

TEST(NnPool, RejectsBadInput) {
  Tensor x = random_tensor(DType::kFloat32, {1, 1, 4, 4}, 1);
  EXPECT_FALSE(try_run_op(make_node("MaxPool", 1, 1), {x}).is_ok());  // no kernel_shape
  EXPECT_FALSE(try_run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({5, 5})}}), {x}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({2})}}), {x}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("AveragePool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})},
                                                          {"strides", Attribute::of_ints({0, 1})}}),
                          {x}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("AveragePool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})},
                                                          {"pads", Attribute::of_ints({2, 0, 0, 0})}}),
                          {x}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({2})}}),
                          {Tensor(DType::kFloat32, {4, 4})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("AveragePool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})}}),
                          {Tensor(DType::kInt32, {1, 1, 4, 4})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("LpPool", 1, 1, {{"kernel_shape", Attribute::of_ints({2, 2})},
                                                     {"p", Attribute::of_int(0)}}),
                          {x}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
