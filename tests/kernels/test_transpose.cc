// Transpose, DepthToSpace and SpaceToDepth against hand-computed values and a naive index walk.
#include <algorithm>
#include <numeric>

#include "data_test_util.h"

namespace lacuna::test {
namespace {

// Naive transpose: y[i] = x[i permuted back].
Tensor naive_transpose(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(x.shape()[static_cast<size_t>(p)]);
  Tensor y(DType::kFloat32, out);
  for (int64_t e = 0; e < y.numel(); ++e) {
    const auto oi = unravel(e, out);
    std::vector<int64_t> xi(oi.size());
    for (size_t d = 0; d < perm.size(); ++d) xi[static_cast<size_t>(perm[d])] = oi[d];
    y.data<float>()[e] = x.data<float>()[ravel(xi, x.shape())];
  }
  return y;
}

TEST(DataTranspose, DefaultReversesDims) {
  auto y = run_op(make_node("Transpose", 1, 1), {f32({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(y.size(), 1u);
  expect_equal(y[0], f32({3, 2}, {1, 4, 2, 5, 3, 6}));
}

TEST(DataTranspose, EveryPermutationOfRank4MatchesNaive) {
  Tensor x = random_tensor(DType::kFloat32, {2, 3, 4, 5}, 7);
  std::vector<int64_t> perm = {0, 1, 2, 3};
  do {
    auto y = run_op(make_node("Transpose", 1, 1, {{"perm", ais(perm)}}), {x});
    ASSERT_EQ(y.size(), 1u);
    expect_equal(y[0], naive_transpose(x, perm));
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(DataTranspose, ScalarEmptyAndStrings) {
  auto s = run_op(make_node("Transpose", 1, 1), {f32({}, {5})});
  expect_equal(s[0], f32({}, {5}));
  auto e = run_op(make_node("Transpose", 1, 1, {{"perm", ais({1, 0})}}), {Tensor(DType::kFloat32, {0, 3})});
  EXPECT_EQ(e[0].shape(), (Shape{3, 0}));
  auto t = run_op(make_node("Transpose", 1, 1), {str({2, 2}, {"a", "b", "c", "d"})});
  ASSERT_EQ(t[0].dtype(), DType::kString);
  EXPECT_EQ(t[0].data<std::string>()[1], "c");
  EXPECT_EQ(t[0].data<std::string>()[2], "b");
}

TEST(DataTranspose, Float16MovesBitsUnchanged) {
  Tensor x(DType::kFloat16, {2, 1});
  x.data<uint16_t>()[0] = 0x3c00;
  x.data<uint16_t>()[1] = 0xc000;
  auto y = run_op(make_node("Transpose", 1, 1), {x});
  ASSERT_EQ(y[0].dtype(), DType::kFloat16);
  EXPECT_EQ(y[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(y[0].data<uint16_t>()[1], 0xc000);
}

TEST(DataTranspose, BadPermIsAnError) {
  expect_error(make_node("Transpose", 1, 1, {{"perm", ais({0, 0})}}), {f32({2, 2}, {1, 2, 3, 4})});
  expect_error(make_node("Transpose", 1, 1, {{"perm", ais({0, 1, 2})}}), {f32({2, 2}, {1, 2, 3, 4})});
  expect_error(make_node("Transpose", 1, 1, {{"perm", ais({0, 5})}}), {f32({2, 2}, {1, 2, 3, 4})});
}

// DepthToSpace by its definition: y[n, c, h*b + i, w*b + j] = x[n, channel(c, i, j), h, w].
Tensor naive_depth_to_space(const Tensor& x, int64_t b, bool crd) {
  const Shape& s = x.shape();
  const int64_t c2 = s[1] / (b * b);
  Shape out = {s[0], c2, s[2] * b, s[3] * b};
  Tensor y(DType::kFloat32, out);
  for (int64_t e = 0; e < y.numel(); ++e) {
    const auto o = unravel(e, out);
    const int64_t i = o[2] % b, j = o[3] % b;
    const int64_t ch = crd ? o[1] * b * b + i * b + j : (i * b + j) * c2 + o[1];
    y.data<float>()[e] = x.data<float>()[ravel({o[0], ch, o[2] / b, o[3] / b}, s)];
  }
  return y;
}

TEST(DataTranspose, DepthToSpaceModesMatchDefinition) {
  Tensor x = random_tensor(DType::kFloat32, {2, 8, 3, 2}, 3);
  for (const char* mode : {"DCR", "CRD"}) {
    auto y = run_op(make_node("DepthToSpace", 1, 1, {{"blocksize", ai(2)}, {"mode", as(mode)}}), {x});
    ASSERT_EQ(y.size(), 1u);
    expect_equal(y[0], naive_depth_to_space(x, 2, std::string(mode) == "CRD"), mode);
  }
}

TEST(DataTranspose, SpaceToDepthInvertsDepthToSpaceDcr) {
  Tensor x = random_tensor(DType::kFloat32, {1, 9, 2, 2}, 5);
  auto y = run_op(make_node("DepthToSpace", 1, 1, {{"blocksize", ai(3)}}), {x});
  auto z = run_op(make_node("SpaceToDepth", 1, 1, {{"blocksize", ai(3)}}), {y[0]});
  expect_equal(z[0], x);
}

TEST(DataTranspose, BlockSizeErrors) {
  Tensor x = random_tensor(DType::kFloat32, {1, 3, 2, 2}, 1);
  expect_error(make_node("DepthToSpace", 1, 1, {{"blocksize", ai(2)}}), {x});
  expect_error(make_node("SpaceToDepth", 1, 1, {{"blocksize", ai(3)}}), {x});
  expect_error(make_node("SpaceToDepth", 1, 1, {{"blocksize", ai(0)}}), {x});
  expect_error(make_node("DepthToSpace", 1, 1, {{"blocksize", ai(1)}}), {f32({4}, {1, 2, 3, 4})});
}

}  // namespace
}  // namespace lacuna::test
