// DFT, STFT, window and mel filterbank reference kernels: hand-computed transforms, identities
// between related calls (padding, inverse, axes, frames), and error cases.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"

namespace lacuna::test {
namespace {

Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor i64(int64_t v) { return Tensor::scalar<int64_t>(v); }

ir::Node dft_node(int n_in, ir::Attributes attrs = {}) { return make_node("DFT", n_in, 1, std::move(attrs)); }

TEST(SignalRef, DftOfARealSignal) {
  auto out = run_op(dft_node(1), {f32({1, 4, 1}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  expect_close(out[0], f32({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}), 1e-6, 1e-6);
  // One-sided: bins 0..n/2.
  out = run_op(dft_node(1, {{"onesided", ir::Attribute::of_int(1)}}), {f32({1, 4, 1}, {1, 2, 3, 4})});
  expect_close(out[0], f32({1, 3, 2}, {10, 0, -2, 2, -2, 0}), 1e-6, 1e-6);
}

TEST(SignalRef, DftLengthPadsWithZerosAndTruncates) {
  Tensor x = random_tensor(DType::kFloat32, {2, 5, 1}, 3);
  Tensor padded(DType::kFloat32, {2, 8, 1});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t k = 0; k < 5; ++k) padded.data<float>()[b * 8 + k] = x.data<float>()[b * 5 + k];
  auto a = run_op(dft_node(2), {x, i64(8)});
  auto b = run_op(dft_node(1), {padded});
  expect_close(a[0], b[0], 1e-5, 1e-6, "padding");
  Tensor head(DType::kFloat32, {2, 3, 1});
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t k = 0; k < 3; ++k) head.data<float>()[r * 3 + k] = x.data<float>()[r * 5 + k];
  a = run_op(dft_node(2), {x, i64(3)});
  b = run_op(dft_node(1), {head});
  expect_close(a[0], b[0], 1e-5, 1e-6, "truncation");
}

TEST(SignalRef, InverseUndoesForwardOnComplexInput) {
  Tensor x = random_tensor(DType::kFloat64, {3, 7, 2}, 5);
  auto fwd = run_op(dft_node(1), {x});
  auto back = run_op(dft_node(1, {{"inverse", ir::Attribute::of_int(1)}}), {fwd[0]});
  expect_close(back[0], x, 1e-9, 1e-12);
}

// The transform along axis 2 of [1, 2, 3, 1] is the axis-1 transform of the transposed input.
TEST(SignalRef, AxesAndNegativeAxes) {
  Tensor x = random_tensor(DType::kFloat32, {1, 2, 3, 1}, 9);
  Tensor xt(DType::kFloat32, {1, 3, 2, 1});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) xt.data<float>()[j * 2 + i] = x.data<float>()[i * 3 + j];
  auto along2 = run_op(dft_node(1, {{"axis", ir::Attribute::of_int(2)}}), {x});
  auto neg = run_op(dft_node(1, {{"axis", ir::Attribute::of_int(-2)}}), {x});
  auto along1 = run_op(dft_node(1), {xt});
  expect_close(neg[0], along2[0], 0, 0, "axis -2 is axis 2");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int c = 0; c < 2; ++c) {
        EXPECT_NEAR(along2[0].data<float>()[(i * 3 + j) * 2 + c],
                    along1[0].data<float>()[(j * 2 + i) * 2 + c], 1e-5);
      }
}

TEST(SignalRef, DftErrors) {
  EXPECT_FALSE(try_run_op(dft_node(1), {f32({1, 4, 3}, std::vector<float>(12))}).is_ok());  // 3 components
  EXPECT_FALSE(
      try_run_op(dft_node(1, {{"axis", ir::Attribute::of_int(2)}}), {f32({1, 4, 1}, std::vector<float>(4))})
          .is_ok());
  EXPECT_FALSE(try_run_op(dft_node(2), {f32({1, 4, 1}, std::vector<float>(4)), i64(0)}).is_ok());
  EXPECT_FALSE(try_run_op(dft_node(1, {{"onesided", ir::Attribute::of_int(1)}}),
                          {f32({1, 4, 2}, std::vector<float>(8))})
                   .is_ok());
}

// Each STFT frame is the DFT of the windowed slice of the signal.
TEST(SignalRef, StftFramesAreWindowedDfts) {
  const int64_t len = 20, frame = 8, step = 5;
  Tensor sig = random_tensor(DType::kFloat32, {1, len, 1}, 11);
  Tensor win = random_tensor(DType::kFloat32, {frame}, 12, 0.0, 1.0);
  auto out = run_op(make_node("STFT", 3, 1), {sig, i64(step), win});
  ASSERT_EQ(out.size(), 1u);
  const int64_t frames = (len - frame) / step + 1;
  ASSERT_EQ(out[0].shape(), (Shape{1, frames, frame / 2 + 1, 2}));
  for (int64_t f = 0; f < frames; ++f) {
    Tensor slice(DType::kFloat32, {1, frame, 1});
    for (int64_t k = 0; k < frame; ++k)
      slice.data<float>()[k] = sig.data<float>()[f * step + k] * win.data<float>()[k];
    auto d = run_op(dft_node(1, {{"onesided", ir::Attribute::of_int(1)}}), {slice});
    for (int64_t i = 0; i < (frame / 2 + 1) * 2; ++i) {
      EXPECT_NEAR(out[0].data<float>()[f * (frame / 2 + 1) * 2 + i], d[0].data<float>()[i], 1e-5)
          << "frame " << f;
    }
  }
  // Two-sided with frame_length instead of a window: a rectangular window.
  auto full = run_op(make_node("STFT", 4, 1, {{"onesided", ir::Attribute::of_int(0)}}),
                     {sig, i64(step), Tensor(), i64(frame)});
  EXPECT_EQ(full[0].shape(), (Shape{1, frames, frame, 2}));
}

TEST(SignalRef, StftErrors) {
  Tensor sig = f32({1, 6, 1}, std::vector<float>(6));
  auto node = make_node("STFT", 4, 1);
  EXPECT_FALSE(try_run_op(node, {sig, i64(2), Tensor(), i64(7)}).is_ok());             // frame > signal
  EXPECT_FALSE(try_run_op(node, {sig, i64(0), Tensor(), i64(4)}).is_ok());             // zero step
  EXPECT_FALSE(try_run_op(node, {sig, i64(2), f32({3}, {1, 1, 1}), i64(4)}).is_ok());  // window mismatch
  EXPECT_FALSE(try_run_op(node, {sig, i64(2), Tensor(), Tensor()}).is_ok());           // no frame length
}

TEST(SignalRef, Windows) {
  const ir::Attributes symmetric = {{"periodic", ir::Attribute::of_int(0)}};
  auto hann = run_op(make_node("HannWindow", 1, 1), {i64(4)});
  expect_close(hann[0], f32({4}, {0, 0.5f, 1, 0.5f}), 1e-6, 1e-7, "periodic hann");
  hann = run_op(make_node("HannWindow", 1, 1, symmetric), {i64(5)});
  expect_close(hann[0], f32({5}, {0, 0.5f, 1, 0.5f, 0}), 1e-6, 1e-7, "symmetric hann");
  auto hamming = run_op(make_node("HammingWindow", 1, 1, symmetric), {Tensor::scalar<int32_t>(3)});
  expect_close(hamming[0], f32({3}, {4.f / 46, 1, 4.f / 46}), 1e-6, 1e-7, "hamming");
  ir::Attributes dbl = symmetric;
  dbl["output_datatype"] = ir::Attribute::of_int(11);  // double
  auto blackman = run_op(make_node("BlackmanWindow", 1, 1, dbl), {i64(3)});
  ASSERT_EQ(blackman[0].dtype(), DType::kFloat64);
  expect_close(blackman[0], Tensor::from_vector<double>({3}, {0, 1, 0}), 0, 1e-12, "blackman");
  auto empty = run_op(make_node("HannWindow", 1, 1), {i64(0)});
  EXPECT_EQ(empty[0].shape(), (Shape{0}));
  EXPECT_FALSE(try_run_op(make_node("HannWindow", 1, 1), {i64(-1)}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("HannWindow", 1, 1), {f32({}, {4})}).is_ok());
}

TEST(SignalRef, MelWeightMatrixTriangles) {
  auto node = make_node("MelWeightMatrix", 5, 1);
  auto out = run_op(node, {i64(4), i64(64), i64(16000), f32({}, {100}), f32({}, {7000})});
  ASSERT_EQ(out[0].shape(), (Shape{33, 4}));
  for (int64_t m = 0; m < 4; ++m) {
    double peak = 0;
    int64_t nonzero = 0;
    for (int64_t k = 0; k < 33; ++k) {
      const float v = out[0].data<float>()[k * 4 + m];
      EXPECT_GE(v, 0.f);
      EXPECT_LE(v, 1.f);
      peak = std::max<double>(peak, v);
      nonzero += v > 0;
    }
    EXPECT_EQ(peak, 1.0) << "filter " << m << " peaks at 1";
    EXPECT_GE(nonzero, 1);
  }
  EXPECT_FALSE(try_run_op(node, {i64(4), i64(64), i64(0), f32({}, {100}), f32({}, {7000})}).is_ok());
  EXPECT_FALSE(try_run_op(node, {i64(0), i64(64), i64(16000), f32({}, {100}), f32({}, {7000})}).is_ok());
  EXPECT_FALSE(try_run_op(node, {i64(4), i64(64), i64(16000), f32({}, {700}), f32({}, {100})}).is_ok());
}

}  // namespace
}  // namespace lacuna::test
