// Conv and ConvTranspose against direct (loop-per-tap) convolutions written independently of
// the im2col kernels, plus hand-checked values, auto_pad rules and error cases.
#include <gtest/gtest.h>

#include <vector>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

// Geometry of a direct 3-D convolution; 1-D and 2-D cases use size-1 leading dimensions.
struct Geo {
  int64_t n, c, m, g;
  int64_t in[3], k[3], s[3], d[3], pb[3], out[3];
};

// y[n, m, o] = b[m] + sum_{c in group, k} x[n, c, o*s - pb + k*d] * w[m, c, k]
std::vector<float> direct_conv(const Geo& q, const std::vector<double>& x, const std::vector<double>& w,
                               const std::vector<double>* b) {
  const int64_t cg = q.c / q.g, mg = q.m / q.g;
  std::vector<float> y;
  for (int64_t n = 0; n < q.n; ++n)
    for (int64_t m = 0; m < q.m; ++m)
      for (int64_t o0 = 0; o0 < q.out[0]; ++o0)
        for (int64_t o1 = 0; o1 < q.out[1]; ++o1)
          for (int64_t o2 = 0; o2 < q.out[2]; ++o2) {
            double acc = b ? (*b)[static_cast<size_t>(m)] : 0.0;
            const int64_t g = m / mg;
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t k0 = 0; k0 < q.k[0]; ++k0)
                for (int64_t k1 = 0; k1 < q.k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < q.k[2]; ++k2) {
                    const int64_t i0 = o0 * q.s[0] - q.pb[0] + k0 * q.d[0];
                    const int64_t i1 = o1 * q.s[1] - q.pb[1] + k1 * q.d[1];
                    const int64_t i2 = o2 * q.s[2] - q.pb[2] + k2 * q.d[2];
                    if (i0 < 0 || i0 >= q.in[0] || i1 < 0 || i1 >= q.in[1] || i2 < 0 || i2 >= q.in[2]) continue;
                    const int64_t c = g * cg + ci;
                    acc += x[static_cast<size_t>((((n * q.c + c) * q.in[0] + i0) * q.in[1] + i1) * q.in[2] + i2)] *
                           w[static_cast<size_t>((((m * cg + ci) * q.k[0] + k0) * q.k[1] + k1) * q.k[2] + k2)];
                  }
            y.push_back(static_cast<float>(acc));
          }
  return y;
}

// y[n, m, x*s - pb + k*d] += x[n, c, x] * w[c, m_in_group, k]
std::vector<float> direct_conv_transpose(const Geo& q, const std::vector<double>& x,
                                         const std::vector<double>& w, const std::vector<double>* b) {
  const int64_t cg = q.c / q.g, mg = q.m / q.g;
  const int64_t out_size = q.out[0] * q.out[1] * q.out[2];
  std::vector<double> y(static_cast<size_t>(q.n * q.m * out_size), 0.0);
  for (int64_t n = 0; n < q.n; ++n)
    for (int64_t c = 0; c < q.c; ++c)
      for (int64_t i0 = 0; i0 < q.in[0]; ++i0)
        for (int64_t i1 = 0; i1 < q.in[1]; ++i1)
          for (int64_t i2 = 0; i2 < q.in[2]; ++i2) {
            const double xv = x[static_cast<size_t>((((n * q.c + c) * q.in[0] + i0) * q.in[1] + i1) * q.in[2] + i2)];
            const int64_t g = c / cg;
            for (int64_t mi = 0; mi < mg; ++mi)
              for (int64_t k0 = 0; k0 < q.k[0]; ++k0)
                for (int64_t k1 = 0; k1 < q.k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < q.k[2]; ++k2) {
                    const int64_t o0 = i0 * q.s[0] - q.pb[0] + k0 * q.d[0];
                    const int64_t o1 = i1 * q.s[1] - q.pb[1] + k1 * q.d[1];
                    const int64_t o2 = i2 * q.s[2] - q.pb[2] + k2 * q.d[2];
                    if (o0 < 0 || o0 >= q.out[0] || o1 < 0 || o1 >= q.out[1] || o2 < 0 || o2 >= q.out[2]) continue;
                    const int64_t m = g * mg + mi;
                    y[static_cast<size_t>((((n * q.m + m) * q.out[0] + o0) * q.out[1] + o1) * q.out[2] + o2)] +=
                        xv * w[static_cast<size_t>((((c * mg + mi) * q.k[0] + k0) * q.k[1] + k1) * q.k[2] + k2)];
                  }
          }
  std::vector<float> r;
  for (size_t i = 0; i < y.size(); ++i) {
    const int64_t m = static_cast<int64_t>(i) / out_size % q.m;
    r.push_back(static_cast<float>(y[i] + (b ? (*b)[static_cast<size_t>(m)] : 0.0)));
  }
  return r;
}

struct ConvCase {
  int spatial;  // 1, 2 or 3
  int64_t n, c, m, g;
  std::vector<int64_t> in, k, s, d, pads;  // per spatial dim; pads begin..., end...
  bool bias;
};

// Runs Conv (or ConvTranspose) with explicit attributes and compares with the direct version.
void check_conv(const ConvCase& t, bool transpose, uint64_t seed) {
  const size_t nd = static_cast<size_t>(t.spatial);
  Geo q{t.n, t.c, t.m, t.g, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}};
  Shape xs = {t.n, t.c}, ws, ys = {t.n, t.m};
  ws = transpose ? Shape{t.c, t.m / t.g} : Shape{t.m, t.c / t.g};
  for (size_t i = 0; i < nd; ++i) {
    const size_t j = 3 - nd + i;
    q.in[j] = t.in[i];
    q.k[j] = t.k[i];
    q.s[j] = t.s[i];
    q.d[j] = t.d[i];
    q.pb[j] = t.pads[i];
    const int64_t ext = (t.k[i] - 1) * t.d[i] + 1;
    q.out[j] = transpose ? (t.in[i] - 1) * t.s[i] + ext - t.pads[i] - t.pads[i + nd]
                         : (t.in[i] + t.pads[i] + t.pads[i + nd] - ext) / t.s[i] + 1;
    xs.push_back(t.in[i]);
    ws.push_back(t.k[i]);
    ys.push_back(q.out[j]);
  }
  Tensor x = random_tensor(DType::kFloat32, xs, seed);
  Tensor w = random_tensor(DType::kFloat32, ws, seed + 1);
  Tensor b = random_tensor(DType::kFloat32, {t.m}, seed + 2);
  const auto xv = x.to_double_vector(), wv = w.to_double_vector(), bv = b.to_double_vector();
  ir::Attributes attrs = {{"group", Attribute::of_int(t.g)},
                          {"strides", Attribute::of_ints(t.s)},
                          {"dilations", Attribute::of_ints(t.d)},
                          {"pads", Attribute::of_ints(t.pads)}};
  std::vector<Tensor> inputs = {x, w};
  if (t.bias) inputs.push_back(b);
  auto out = run_op(make_node(transpose ? "ConvTranspose" : "Conv", static_cast<int>(inputs.size()), 1, attrs), inputs);
  ASSERT_EQ(out.size(), 1u);
  const auto expected = transpose ? direct_conv_transpose(q, xv, wv, t.bias ? &bv : nullptr)
                                  : direct_conv(q, xv, wv, t.bias ? &bv : nullptr);
  expect_close(out[0], Tensor::from_vector<float>(ys, expected), 1e-4, 1e-5);
}

TEST(NnConv, MatchesDirectConvolution) {
  const std::vector<ConvCase> cases = {
      {2, 1, 3, 4, 1, {5, 6}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, true},
      {2, 2, 4, 6, 2, {7, 5}, {3, 2}, {2, 1}, {1, 2}, {1, 0, 2, 1}, true},     // groups, strides, dilations
      {2, 1, 6, 6, 6, {6, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, false},    // depthwise
      {2, 2, 8, 5, 1, {4, 4}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, true},     // pointwise fast path
      {2, 1, 4, 3, 1, {5, 5}, {1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}, false},    // strided 1x1
      {1, 2, 3, 4, 1, {9}, {3}, {2}, {2}, {2, 1}, true},                       // 1-D
      {3, 1, 2, 4, 2, {4, 5, 3}, {2, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}, true},  // 3-D
  };
  uint64_t seed = 10;
  for (const ConvCase& c : cases) check_conv(c, false, seed += 3);
}

TEST(NnConv, TiledUnfoldMatchesDirect) {
  // 64 channels x 3x3 over 64x64 outputs exceeds one unfold tile, so the tiling path runs.
  check_conv({2, 1, 64, 4, 1, {64, 64}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, true}, false, 99);
}

TEST(NnConv, HandComputedWithPadding) {
  // ONNX's basic example: a 5x5 ramp and a 3x3 all-ones kernel with one pixel of padding.
  std::vector<float> xv(25);
  for (int i = 0; i < 25; ++i) xv[static_cast<size_t>(i)] = static_cast<float>(i);
  Tensor x = Tensor::from_vector<float>({1, 1, 5, 5}, xv);
  Tensor w = Tensor::from_vector<float>({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  auto out = run_op(make_node("Conv", 2, 1, {{"pads", Attribute::of_ints({1, 1, 1, 1})}}), {x, w});
  Tensor expected = Tensor::from_vector<float>(
      {1, 1, 5, 5}, {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                     93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
  expect_close(out[0], expected);
}

TEST(NnConv, AutoPadSameAndValid) {
  Tensor x = random_tensor(DType::kFloat32, {1, 2, 7, 6}, 5);
  Tensor w = random_tensor(DType::kFloat32, {3, 2, 3, 2}, 6);
  const auto xv = x.to_double_vector(), wv = w.to_double_vector();
  // SAME with stride 2: out = ceil(in / 2); total pad = (out-1)*2 + k - in, the odd unit at the
  // end (SAME_UPPER) or the beginning (SAME_LOWER).
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    auto out = run_op(make_node("Conv", 2, 1, {{"auto_pad", Attribute::of_string(mode)},
                                               {"strides", Attribute::of_ints({2, 2})}}),
                      {x, w});
    // rows: out 4, total pad 2 -> 1/1; cols: out 3, total pad 0.
    Geo q{1, 2, 3, 1, {1, 7, 6}, {1, 3, 2}, {1, 2, 2}, {1, 1, 1}, {0, 1, 0}, {1, 4, 3}};
    expect_close(out[0], Tensor::from_vector<float>({1, 3, 4, 3}, direct_conv(q, xv, wv, nullptr)), 1e-4, 1e-5, mode);
  }
  // An odd total pad: 5 wide, kernel 2, stride 1 -> total 1: SAME_UPPER pads the end.
  Tensor x5 = random_tensor(DType::kFloat32, {1, 1, 1, 5}, 7);
  Tensor w2 = random_tensor(DType::kFloat32, {1, 1, 1, 2}, 8);
  for (int upper = 0; upper < 2; ++upper) {
    auto out = run_op(make_node("Conv", 2, 1, {{"auto_pad", Attribute::of_string(upper ? "SAME_UPPER" : "SAME_LOWER")}}),
                      {x5, w2});
    Geo q{1, 1, 1, 1, {1, 1, 5}, {1, 1, 2}, {1, 1, 1}, {1, 1, 1}, {0, 0, upper ? 0 : 1}, {1, 1, 5}};
    expect_close(out[0], Tensor::from_vector<float>({1, 1, 1, 5}, direct_conv(q, x5.to_double_vector(), w2.to_double_vector(), nullptr)),
                 1e-5, 1e-6);
  }
  auto valid = run_op(make_node("Conv", 2, 1, {{"auto_pad", Attribute::of_string("VALID")}}), {x, w});
  EXPECT_EQ(valid[0].shape(), (Shape{1, 3, 5, 5}));
}

TEST(NnConv, Float64AndEmptyBatch) {
  Tensor x = random_tensor(DType::kFloat64, {1, 1, 3, 3}, 1);
  Tensor w = Tensor::from_vector<double>({1, 1, 1, 1}, {2.0});
  auto out = run_op(make_node("Conv", 2, 1), {x, w});
  const auto xv = x.to_double_vector();
  std::vector<double> twice;
  for (double v : xv) twice.push_back(2 * v);
  expect_close(out[0], Tensor::from_vector<double>({1, 1, 3, 3}, twice), 1e-12, 0);

  Tensor empty(DType::kFloat32, {0, 2, 4, 4});
  auto e = run_op(make_node("Conv", 2, 1), {empty, random_tensor(DType::kFloat32, {3, 2, 3, 3}, 2)});
  EXPECT_EQ(e[0].shape(), (Shape{0, 3, 2, 2}));
}

TEST(NnConv, RejectsBadInput) {
  Tensor x = random_tensor(DType::kFloat32, {1, 4, 5, 5}, 1);
  auto conv = [](ir::Attributes a = {}) { return make_node("Conv", 2, 1, std::move(a)); };
  // Channel mismatch, group mismatch, rank mismatch, kernel larger than the input.
  EXPECT_FALSE(try_run_op(conv(), {x, random_tensor(DType::kFloat32, {2, 3, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv({{"group", Attribute::of_int(3)}}), {x, random_tensor(DType::kFloat32, {3, 2, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv(), {x, random_tensor(DType::kFloat32, {2, 4, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv(), {x, random_tensor(DType::kFloat32, {2, 4, 7, 7}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv({{"group", Attribute::of_int(0)}}), {x, random_tensor(DType::kFloat32, {2, 4, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv({{"strides", Attribute::of_ints({1})}}), {x, random_tensor(DType::kFloat32, {2, 4, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv({{"pads", Attribute::of_ints({-1, 0, 0, 0})}}), {x, random_tensor(DType::kFloat32, {2, 4, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv({{"kernel_shape", Attribute::of_ints({2, 2})}}), {x, random_tensor(DType::kFloat32, {2, 4, 3, 3}, 2)}).is_ok());
  // Bias of the wrong length; integer inputs.
  EXPECT_FALSE(try_run_op(make_node("Conv", 3, 1), {x, random_tensor(DType::kFloat32, {2, 4, 3, 3}, 2),
                                                    random_tensor(DType::kFloat32, {3}, 3)}).is_ok());
  EXPECT_FALSE(try_run_op(conv(), {random_tensor(DType::kInt32, {1, 4, 5, 5}, 1), random_tensor(DType::kInt32, {2, 4, 3, 3}, 2)}).is_ok());
  EXPECT_FALSE(try_run_op(conv(), {random_tensor(DType::kFloat32, {4, 5}, 1), random_tensor(DType::kFloat32, {2, 4}, 2)}).is_ok());
}

TEST(NnConv, HugeAttributesAreErrorsNotCrashes) {
  Tensor x = random_tensor(DType::kFloat32, {1, 1, 4, 4}, 1);
  Tensor w = random_tensor(DType::kFloat32, {1, 1, 2, 2}, 2);
  const int64_t huge = int64_t{1} << 40;
  for (const char* op : {"Conv", "ConvTranspose"}) {
    EXPECT_FALSE(try_run_op(make_node(op, 2, 1, {{"strides", Attribute::of_ints({huge, 1})}}), {x, w}).is_ok()) << op;
    EXPECT_FALSE(try_run_op(make_node(op, 2, 1, {{"dilations", Attribute::of_ints({1, huge})}}), {x, w}).is_ok()) << op;
    EXPECT_FALSE(try_run_op(make_node(op, 2, 1, {{"pads", Attribute::of_ints({huge, 0, huge, 0})}}), {x, w}).is_ok()) << op;
  }
  EXPECT_FALSE(try_run_op(make_node("ConvTranspose", 2, 1, {{"output_shape", Attribute::of_ints({huge, huge})}}), {x, w}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MaxPool", 1, 1, {{"kernel_shape", Attribute::of_ints({huge, 1})},
                                                      {"pads", Attribute::of_ints({huge - 1, 0, huge - 1, 0})}}),
                          {x}).is_ok());
}

TEST(NnConvTranspose, MatchesDirectScatter) {
  const std::vector<ConvCase> cases = {
      {2, 1, 1, 2, 1, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}, false},
      {2, 2, 4, 6, 2, {3, 4}, {3, 2}, {3, 2}, {1, 1}, {1, 0, 1, 1}, true},     // groups, strides, pads
      {2, 1, 2, 3, 1, {4, 3}, {2, 2}, {1, 2}, {2, 2}, {0, 0, 0, 0}, true},     // dilations
      {1, 1, 3, 2, 1, {5}, {3}, {2}, {1}, {1, 0}, true},
      {3, 1, 2, 2, 1, {2, 3, 2}, {2, 2, 3}, {2, 1, 1}, {1, 1, 1}, {0, 0, 1, 0, 0, 0}, false},
  };
  uint64_t seed = 40;
  for (const ConvCase& c : cases) check_conv(c, true, seed += 3);
}

TEST(NnConvTranspose, OutputShapeAndPadding) {
  Tensor x = random_tensor(DType::kFloat32, {1, 1, 3, 3}, 3);
  Tensor w = random_tensor(DType::kFloat32, {1, 2, 3, 3}, 4);
  // output_padding adds rows/cols at the end: (3-1)*3 + 3 + 1 = 10, (3-1)*2 + 3 + 1 = 8.
  auto a = run_op(make_node("ConvTranspose", 2, 1, {{"strides", Attribute::of_ints({3, 2})},
                                                    {"output_padding", Attribute::of_ints({1, 1})}}),
                  {x, w});
  auto b = run_op(make_node("ConvTranspose", 2, 1, {{"strides", Attribute::of_ints({3, 2})},
                                                    {"output_shape", Attribute::of_ints({10, 8})}}),
                  {x, w});
  ASSERT_EQ(a[0].shape(), (Shape{1, 2, 10, 8}));
  expect_equal(a[0], b[0]);
  // The padded part holds no contributions: the last row is zero.
  const float* p = a[0].data<float>();
  for (int c = 0; c < 8; ++c) EXPECT_EQ(p[9 * 8 + c], 0.f);
  // SAME_UPPER: output = input * stride.
  auto s = run_op(make_node("ConvTranspose", 2, 1, {{"strides", Attribute::of_ints({2, 2})},
                                                    {"auto_pad", Attribute::of_string("SAME_UPPER")}}),
                  {x, w});
  EXPECT_EQ(s[0].shape(), (Shape{1, 2, 6, 6}));
  // Bad: W's first dimension must equal the input channels; output_padding >= stride.
  EXPECT_FALSE(try_run_op(make_node("ConvTranspose", 2, 1), {x, random_tensor(DType::kFloat32, {2, 1, 3, 3}, 1)}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("ConvTranspose", 2, 1, {{"output_padding", Attribute::of_ints({1, 1})}}), {x, w}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
