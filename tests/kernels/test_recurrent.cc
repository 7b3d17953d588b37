// RNN, GRU and LSTM reference kernels against values computed independently (numpy, from the
// ONNX equations), plus layout and error cases.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }

ir::Attribute strings(std::vector<std::string> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

// Shared GRU case: seq 2, batch 1, input 2, hidden 2.
struct GruCase {
  Tensor x = f32({2, 1, 2}, {-0.17f, 0.44f, -1.f, -0.4f});
  Tensor w = f32({1, 6, 2},
                 {-0.13f, -0.95f, 0.1f, -0.13f, -0.16f, -0.34f, -0.59f, 0.24f, -0.4f, -0.47f, 0.24f, 0.06f});
  Tensor r = f32({1, 6, 2},
                 {0.1f, 0.42f, -0.42f, 0.02f, 0.79f, 0.79f, -0.75f, -0.59f, -0.9f, -0.12f, -0.94f, -0.09f});
  Tensor b =
      f32({1, 12}, {0.93f, 0.09f, 0.95f, 0.43f, 0.4f, -0.57f, 0.95f, -0.99f, -0.49f, -0.13f, 0.56f, -0.6f});
};

TEST(RecurrentRef, GruMatchesEquations) {
  GruCase c;
  const std::vector<std::vector<float>> want = {
      {0.124879554f, -0.601696891f, 0.206938851f, -0.819282443f},   // linear_before_reset = 0
      {0.0976660136f, -0.539893025f, 0.176021129f, -0.776866848f},  // linear_before_reset = 1
  };
  for (int lbr = 0; lbr < 2; ++lbr) {
    auto node = make_node(
        "GRU", 4, 2,
        {{"hidden_size", ir::Attribute::of_int(2)}, {"linear_before_reset", ir::Attribute::of_int(lbr)}});
    auto out = run_op(node, {c.x, c.w, c.r, c.b});
    ASSERT_EQ(out.size(), 2u);
    expect_close(out[0], f32({2, 1, 1, 2}, want[static_cast<size_t>(lbr)]), 1e-5, 1e-6, "Y");
    expect_close(out[1],
                 f32({1, 1, 2}, {want[static_cast<size_t>(lbr)][2], want[static_cast<size_t>(lbr)][3]}), 1e-5,
                 1e-6, "Y_h");
  }
}

TEST(RecurrentRef, GruDoubleMatchesFloat) {
  GruCase c;
  auto node = make_node("GRU", 4, 1, {{"hidden_size", ir::Attribute::of_int(2)}});
  auto as_double = [](const Tensor& t) {
    auto v = t.to_double_vector();
    return Tensor::from_vector<double>(t.shape(), v);
  };
  auto f = run_op(node, {c.x, c.w, c.r, c.b});
  auto d = run_op(node, {as_double(c.x), as_double(c.w), as_double(c.r), as_double(c.b)});
  ASSERT_EQ(d[0].dtype(), DType::kFloat64);
  expect_close(d[0], as_double(f[0]), 1e-6, 1e-7);
}

TEST(RecurrentRef, LstmBidirectionalPeepholesClipAndSequenceLengths) {
  Tensor x = f32({3, 2, 2},
                 {-0.56f, 0.74f, -0.59f, 0.84f, -0.02f, 0.22f, 0.53f, 0.04f, -0.41f, -0.62f, -0.84f, 0.48f});
  Tensor w =
      f32({2, 8, 2}, {0.79f, -0.34f, 0.64f, -0.92f, -0.78f, 0.19f, 0.06f,  -0.16f, -0.33f, 0.25f,  -0.12f,
                      0.47f, 0.04f,  0.16f, 0.29f,  0.98f,  0.64f, -0.17f, 0.75f,  0.65f,  -0.89f, 0.44f,
                      0.6f,  0.47f,  0.42f, 0.08f,  -0.75f, 0.92f, -0.19f, -0.57f, 0.43f,  0.99f});
  Tensor r =
      f32({2, 8, 2}, {-0.85f, 0.56f,  -0.12f, 0.45f,  0.96f, 0.08f,  0.f,   -0.86f, -0.46f, -0.f,  0.36f,
                      0.61f,  -0.24f, -0.87f, -0.42f, 0.82f, -0.57f, -0.1f, 0.86f,  -0.95f, 0.2f,  0.9f,
                      -0.54f, 0.1f,   0.82f,  -0.73f, 0.05f, 0.5f,   0.34f, -0.06f, -0.59f, -0.02f});
  Tensor b =
      f32({2, 16}, {0.75f,  0.94f,  0.74f,  0.06f,  -0.53f, -0.98f, -0.14f, -0.2f,  0.05f,  -0.04f, 0.11f,
                    0.09f,  0.52f,  0.42f,  0.24f,  -0.15f, -0.42f, 0.95f,  -0.33f, -0.56f, -0.87f, 0.97f,
                    -0.74f, -0.36f, -0.86f, -0.55f, -0.21f, 0.79f,  -0.31f, 0.97f,  -0.94f, -0.3f});
  Tensor p = f32({2, 6},
                 {-0.98f, 0.f, -0.01f, -0.73f, -0.72f, -0.56f, -0.16f, -0.5f, -0.83f, -0.31f, -0.67f, 0.76f});
  Tensor h0 = f32({2, 2, 2}, {0.54f, -0.96f, 0.27f, 0.5f, -0.f, -0.55f, -0.6f, 0.52f});
  Tensor c0 = f32({2, 2, 2}, {-0.64f, -0.96f, -0.07f, 0.45f, -0.16f, -0.03f, -0.97f, -0.03f});
  Tensor lens = Tensor::from_vector<int32_t>({2}, {3, 2});
  auto node = make_node("LSTM", 8, 3,
                        {{"hidden_size", ir::Attribute::of_int(2)},
                         {"direction", ir::Attribute::of_string("bidirectional")},
                         {"clip", ir::Attribute::of_float(0.9f)}});
  auto out = run_op(node, {x, w, r, b, lens, h0, c0, p});
  ASSERT_EQ(out.size(), 3u);
  // Row 1 has length 2: its third step is zero in both directions.
  expect_close(out[0],
               f32({3, 2, 2, 2}, {-0.0693675339f,
                                  -0.434349916f,
                                  -0.135477391f,
                                  0.140367729f,
                                  -0.155010212f,
                                  -0.263219494f,
                                  -0.225194607f,
                                  -0.000152906558f,
                                  0.177250001f,
                                  -0.364002099f,
                                  -0.0410109642f,
                                  0.0761917815f,
                                  -0.11182758f,
                                  -0.320410292f,
                                  -0.226786117f,
                                  -0.0310268878f,
                                  0.169374868f,
                                  -0.431469696f,
                                  0.f,
                                  0.f,
                                  -0.0805869426f,
                                  -0.17550771f,
                                  0.f,
                                  0.f}),
               1e-5, 1e-6, "Y");
  expect_close(out[1],
               f32({2, 2, 2}, {0.169374868f, -0.431469696f, -0.0410109642f, 0.0761917815f, -0.155010212f,
                               -0.263219494f, -0.225194607f, -0.000152906558f}),
               1e-5, 1e-6, "Y_h");
  expect_close(out[2],
               f32({2, 2, 2}, {0.242904778f, -0.703986677f, -0.0707282736f, 0.158490998f, -0.288074851f,
                               -0.468478207f, -0.36614158f, -0.000256408021f}),
               1e-5, 1e-6, "Y_c");
}

TEST(RecurrentRef, RnnReverseWithLeakyReluAlpha) {
  auto node = make_node("RNN", 6, 2,
                        {{"hidden_size", ir::Attribute::of_int(2)},
                         {"direction", ir::Attribute::of_string("reverse")},
                         {"activations", strings({"LeakyRelu"})},
                         {"activation_alpha", ir::Attribute::of_floats({0.2f})}});
  auto out = run_op(
      node, {f32({3, 1, 1}, {0.5f, -1.f, 2.f}), f32({1, 2, 1}, {0.4f, -0.6f}),
             f32({1, 2, 2}, {0.1f, 0.2f, -0.3f, 0.5f}), Tensor(), Tensor(), f32({1, 1, 2}, {0.2f, -0.1f})});
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[0], f32({3, 1, 1, 2}, {0.238352f, -0.0326312f, -0.07448f, 0.229f, 0.8f, -0.262f}), 1e-5,
               1e-6);
  expect_close(out[1], f32({1, 1, 2}, {0.238352f, -0.0326312f}), 1e-5, 1e-6);
}

// Alpha and beta values go, in order, only to the functions that take them: Relu takes none,
// so ScaledTanh gets alpha 3 and beta 0.5.
TEST(RecurrentRef, ActivationParametersAreConsumedInOrder) {
  auto node = make_node("RNN", 3, 2,
                        {{"hidden_size", ir::Attribute::of_int(1)},
                         {"direction", ir::Attribute::of_string("bidirectional")},
                         {"activations", strings({"Relu", "ScaledTanh"})},
                         {"activation_alpha", ir::Attribute::of_floats({3.f})},
                         {"activation_beta", ir::Attribute::of_floats({0.5f})}});
  auto out = run_op(node, {f32({1, 1, 1}, {1.f}), f32({2, 1, 1}, {0.5f, 0.5f}), f32({2, 1, 1}, {0.f, 0.f})});
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[1], f32({2, 1, 1}, {0.5f, 3.f * std::tanh(0.25f)}), 1e-6, 1e-7);
  auto affine = run_op(make_node("RNN", 3, 2,
                                 {{"hidden_size", ir::Attribute::of_int(1)},
                                  {"activations", strings({"Affine"})},
                                  {"activation_alpha", ir::Attribute::of_floats({2.f})},
                                  {"activation_beta", ir::Attribute::of_floats({0.5f})}}),
                       {f32({1, 1, 1}, {1.f}), f32({1, 1, 1}, {0.5f}), f32({1, 1, 1}, {0.f})});
  expect_close(affine[1], f32({1, 1, 1}, {1.5f}));
}

// With input_forget the forget gate is 1 - i, which equals sigmoid of the negated input-gate
// pre-activation: an ordinary LSTM with the input-gate weights negated in the forget slot.
TEST(RecurrentRef, LstmInputForgetCouplesTheGates) {
  const int64_t S = 3, B = 2, I = 2, H = 3;
  Tensor x = random_tensor(DType::kFloat32, {S, B, I}, 21);
  Tensor w = random_tensor(DType::kFloat32, {1, 4 * H, I}, 22);
  Tensor r = random_tensor(DType::kFloat32, {1, 4 * H, H}, 23);
  Tensor b = random_tensor(DType::kFloat32, {1, 8 * H}, 24);
  Tensor w2 = w.clone(), r2 = r.clone(), b2 = b.clone();
  auto negate_into_forget = [&](const Tensor& src, Tensor& dst, int64_t row_len, int64_t gate_stride) {
    for (int64_t part = 0; part < src.numel() / (4 * H * row_len); ++part) {  // B holds two parts
      const float* s = src.data<float>() + part * gate_stride;
      float* d = dst.data<float>() + part * gate_stride;
      for (int64_t k = 0; k < H * row_len; ++k) d[2 * H * row_len + k] = -s[k];  // gate 2 (f) = -gate 0 (i)
    }
  };
  negate_into_forget(w, w2, I, 0);
  negate_into_forget(r, r2, H, 0);
  negate_into_forget(b, b2, 1, 4 * H);
  ir::Attributes attrs = {{"hidden_size", ir::Attribute::of_int(H)}};
  auto plain = run_op(make_node("LSTM", 4, 3, attrs), {x, w2, r2, b2});
  attrs["input_forget"] = ir::Attribute::of_int(1);
  auto coupled = run_op(make_node("LSTM", 4, 3, attrs), {x, w, r, b});
  ASSERT_EQ(coupled.size(), 3u);
  for (int i = 0; i < 3; ++i)
    expect_close(coupled[static_cast<size_t>(i)], plain[static_cast<size_t>(i)], 1e-5, 1e-6);
}

// layout = 1 takes [batch, seq, ...] tensors and must give the transposed layout-0 results.
TEST(RecurrentRef, BatchMajorLayoutIsTheTransposedLayout) {
  const int64_t S = 3, B = 2, I = 3, H = 4;
  Tensor x = random_tensor(DType::kFloat32, {S, B, I}, 1);
  Tensor w = random_tensor(DType::kFloat32, {2, 4 * H, I}, 2);
  Tensor r = random_tensor(DType::kFloat32, {2, 4 * H, H}, 3);
  Tensor h0 = random_tensor(DType::kFloat32, {2, B, H}, 4);
  auto transpose01 = [](const Tensor& t) {  // swaps the first two dims
    Shape s = t.shape();
    std::swap(s[0], s[1]);
    Tensor o(DType::kFloat32, s);
    const int64_t inner = t.numel() / (s[0] * s[1]);
    for (int64_t a = 0; a < t.shape()[0]; ++a)
      for (int64_t b = 0; b < t.shape()[1]; ++b)
        for (int64_t k = 0; k < inner; ++k)
          o.data<float>()[(b * s[1] + a) * inner + k] = t.data<float>()[(a * t.shape()[1] + b) * inner + k];
    return o;
  };
  ir::Attributes attrs = {{"hidden_size", ir::Attribute::of_int(H)},
                          {"direction", ir::Attribute::of_string("bidirectional")}};
  auto seq_major = run_op(make_node("LSTM", 6, 2, attrs), {x, w, r, Tensor(), Tensor(), h0}, 14);
  attrs["layout"] = ir::Attribute::of_int(1);
  auto batch_major =
      run_op(make_node("LSTM", 6, 2, attrs), {transpose01(x), w, r, Tensor(), Tensor(), transpose01(h0)}, 14);
  ASSERT_EQ(batch_major.size(), 2u);
  // Y: [S, dirs, B, H] -> [B, S, dirs, H]
  Tensor y = seq_major[0];
  Tensor want(DType::kFloat32, {B, S, 2, H});
  for (int64_t s = 0; s < S; ++s)
    for (int64_t d = 0; d < 2; ++d)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          want.data<float>()[((b * S + s) * 2 + d) * H + h] = y.data<float>()[((s * 2 + d) * B + b) * H + h];
  expect_close(batch_major[0], want, 1e-6, 1e-7, "Y");
  expect_close(batch_major[1], transpose01(seq_major[1]), 1e-6, 1e-7, "Y_h");
}

TEST(RecurrentRef, EmptySequenceKeepsInitialState) {
  auto node = make_node("GRU", 6, 2, {{"hidden_size", ir::Attribute::of_int(2)}});
  GruCase c;
  Tensor h0 = f32({1, 1, 2}, {0.25f, -0.5f});
  auto out = run_op(node, {Tensor(DType::kFloat32, {0, 1, 2}), c.w, c.r, c.b, Tensor(), h0});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape(), (Shape{0, 1, 1, 2}));
  expect_close(out[1], h0);
}

TEST(RecurrentRef, BadInputsAreErrors) {
  GruCase c;
  ir::Attributes attrs = {{"hidden_size", ir::Attribute::of_int(2)}};
  // W with the wrong number of gate rows.
  EXPECT_FALSE(
      try_run_op(make_node("GRU", 3, 1, attrs), {c.x, f32({1, 4, 2}, std::vector<float>(8)), c.r}).is_ok());
  // X of rank 2.
  EXPECT_FALSE(try_run_op(make_node("GRU", 3, 1, attrs), {f32({2, 2}, {1, 2, 3, 4}), c.w, c.r}).is_ok());
  // A sequence length beyond the sequence.
  Status s =
      try_run_op(make_node("GRU", 5, 1, attrs), {c.x, c.w, c.r, c.b, Tensor::from_vector<int32_t>({1}, {3})});
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("sequence_lens"), std::string::npos) << s.message();
  // Missing hidden_size, unknown activation, wrong number of activations.
  EXPECT_FALSE(try_run_op(make_node("GRU", 3, 1), {c.x, c.w, c.r}).is_ok());
  ir::Attributes bad = attrs;
  bad["activations"] = strings({"Sigmoid", "Cube"});
  EXPECT_FALSE(try_run_op(make_node("GRU", 3, 1, bad), {c.x, c.w, c.r}).is_ok());
  bad["activations"] = strings({"Sigmoid"});
  EXPECT_FALSE(try_run_op(make_node("GRU", 3, 1, bad), {c.x, c.w, c.r}).is_ok());
  bad = attrs;
  bad["direction"] = ir::Attribute::of_string("sideways");
  EXPECT_FALSE(try_run_op(make_node("GRU", 3, 1, bad), {c.x, c.w, c.r}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
