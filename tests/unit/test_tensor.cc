// Tensor, dtype, half-precision and .npy round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/half.h"
#include "core/saturate.h"
#include "io/npy.h"
#include "lacuna/tensor.h"

namespace lacuna {
namespace {

TEST(Tensor, NumelOverflowIsAnError) {
  auto n = checked_numel({int64_t{1} << 40, int64_t{1} << 40});
  EXPECT_FALSE(n.has_value());
  EXPECT_EQ(n.status().code(), ErrorCode::kOutOfRange);
  EXPECT_FALSE(checked_numel({2, -1}).has_value());
  EXPECT_EQ(*checked_numel({2, 3, 0}), 0);
  EXPECT_EQ(*checked_numel({}), 1);
}

TEST(Tensor, CreateRejectsHugeShapes) {
  auto t = Tensor::create(DType::kFloat32, {int64_t{1} << 30, int64_t{1} << 20});
  EXPECT_FALSE(t.has_value());
}

TEST(Tensor, ViewsShareStorage) {
  Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = a.reshaped({3, 2});
  EXPECT_EQ(a.raw(), b.raw());
  Tensor c;
  c.reset_view(a, {6});
  EXPECT_EQ(c.numel(), 6);
  EXPECT_EQ(c.data<float>()[5], 6.f);
  Tensor d = a.clone();
  EXPECT_NE(d.raw(), a.raw());
}

TEST(Half, RoundTripsAndRounds) {
  for (float f : {0.f, -0.f, 1.f, -2.5f, 65504.f, 6.1035156e-05f, 5.9604645e-08f, 0.33325195f}) {
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  }
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 1.0f / 4096)), 1.0f);  // ties to even
  EXPECT_EQ(float_to_half(1e-9f), 0);
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.5f)), 1.5f);
}

TEST(Npy, RoundTrip) {
  Tensor t = Tensor::from_vector<int64_t>({2, 2}, {1, -2, 3, 4});
  auto back = io::parse_npy(io::serialize_npy(t), "mem");
  ASSERT_TRUE(back.has_value()) << back.status().to_string();
  EXPECT_EQ(back->shape(), t.shape());
  EXPECT_EQ(back->data<int64_t>()[1], -2);
  Tensor s = Tensor::scalar<float>(3.5f);
  auto sb = io::parse_npy(io::serialize_npy(s), "mem");
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(sb->rank(), 0);
}

TEST(Npy, RejectsGarbage) {
  EXPECT_FALSE(io::parse_npy("hello", "x").has_value());
  Tensor t = Tensor::from_vector<float>({4}, {1, 2, 3, 4});
  std::string bytes = io::serialize_npy(t);
  EXPECT_FALSE(io::parse_npy(bytes.substr(0, bytes.size() - 3), "truncated").has_value());
}

}  // namespace
}  // namespace lacuna

namespace lacuna {
namespace {

// Values outside int64 saturate instead of converting out of range (found by the fuzzer).
TEST(Tensor, ToInt64SaturatesAndMapsNanToZero) {
  const Tensor f = Tensor::from_vector<float>({4}, {1e30f, -1e30f, std::nanf(""), -7.9f});
  const auto v = f.to_int64_vector();
  EXPECT_EQ(v[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(v[1], std::numeric_limits<int64_t>::lowest());
  EXPECT_EQ(v[2], 0);
  EXPECT_EQ(v[3], -7);
  const Tensor i = Tensor::from_vector<int64_t>({2}, {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::lowest()});
  EXPECT_EQ(i.to_int64_vector()[0], std::numeric_limits<int64_t>::max());
  EXPECT_EQ(i.to_int64_vector()[1], std::numeric_limits<int64_t>::lowest());
}

}  // namespace
}  // namespace lacuna

namespace lacuna {
namespace {

TEST(SaturateCast, IntegersSaturateAndNanIsZero) {
  EXPECT_EQ(saturate_cast<int64_t>(static_cast<double>(std::numeric_limits<int64_t>::max())),
            std::numeric_limits<int64_t>::max());  // 2^63 after rounding: still in range
  EXPECT_EQ(saturate_cast<int64_t>(-std::numeric_limits<double>::infinity()), std::numeric_limits<int64_t>::lowest());
  EXPECT_EQ(saturate_cast<int16_t>(1e9), std::numeric_limits<int16_t>::max());
  EXPECT_EQ(saturate_cast<uint8_t>(-3.0), 0);
  EXPECT_EQ(saturate_cast<int32_t>(std::nan("")), 0);
  EXPECT_EQ(saturate_cast<int32_t>(-7.9), -7);
  EXPECT_EQ(saturate_cast<float>(1.5), 1.5f);
  EXPECT_TRUE(saturate_cast<bool>(-0.5));  // bool is "not zero", not a saturated integer
  EXPECT_FALSE(saturate_cast<bool>(0.0));
  EXPECT_EQ(to_double(saturate_cast<Half>(0.25)), 0.25);
}

}  // namespace
}  // namespace lacuna

namespace lacuna {
namespace {

TEST(Tensor, ReuseOrCreateKeepsAnUnsharedBufferOfTheSameType) {
  Tensor t;
  ASSERT_TRUE(t.reuse_or_create(DType::kFloat32, {2, 3}).is_ok());
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  void* first = t.raw();
  ASSERT_TRUE(t.reuse_or_create(DType::kFloat32, {2, 3}).is_ok());
  EXPECT_EQ(t.raw(), first);  // sole owner, same type: kept
  const Tensor held = t;
  ASSERT_TRUE(t.reuse_or_create(DType::kFloat32, {2, 3}).is_ok());
  EXPECT_NE(t.raw(), held.raw());  // someone else holds it: a new buffer
  void* second = t.raw();
  ASSERT_TRUE(t.reuse_or_create(DType::kInt32, {2, 3}).is_ok());
  EXPECT_EQ(t.dtype(), DType::kInt32);
  EXPECT_NE(t.raw(), second);
  EXPECT_FALSE(t.reuse_or_create(DType::kFloat32, {int64_t{1} << 62, 1 << 20}).is_ok());  // too big: an error
}

}  // namespace
}  // namespace lacuna
