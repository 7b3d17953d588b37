// MatMul, Gemm, Det and Einsum against naive triple loops and hand-computed values; the GEMM
// kernel itself over leading dimensions, transposes and block remainders.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../test_util.h"
#include "kernels/ref/gemm.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

// C[m, n] = sum_k A[m, k] B[k, n] with A, B given as row-major values (double accumulation).
std::vector<double> naive_matmul(const std::vector<double>& a, const std::vector<double>& b, int64_t m,
                                 int64_t n, int64_t k) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) c[static_cast<size_t>(i * n + j)] += a[static_cast<size_t>(i * k + p)] * b[static_cast<size_t>(p * n + j)];
  return c;
}

std::vector<float> to_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

TEST(NnGemmKernel, LeadingDimensionsTransposesAndBlockRemainders) {
  // Sizes cross the kernel's 512-column and 128-deep blocks.
  const int64_t m = 5, n = 530, k = 140;
  Tensor a = random_tensor(DType::kFloat32, {m, k}, 1);
  Tensor b = random_tensor(DType::kFloat32, {k, n}, 2);
  const auto expect = naive_matmul(a.to_double_vector(), b.to_double_vector(), m, n, k);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      // Store the operands transposed when asked, inside wider buffers (ld > width).
      const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 7;
      std::vector<float> as(static_cast<size_t>((ta ? k : m) * lda), 0.f), bs(static_cast<size_t>((tb ? n : k) * ldb), 0.f);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) as[static_cast<size_t>(ta ? p * lda + i : i * lda + p)] = a.data<float>()[i * k + p];
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < n; ++j) bs[static_cast<size_t>(tb ? j * ldb + p : p * ldb + j)] = b.data<float>()[p * n + j];
      std::vector<float> c(static_cast<size_t>(m * ldc), 1.f);
      kernels::ref::gemm<float>({m, n, k, ta != 0, tb != 0, lda, ldb, ldc}, 2.f, as.data(), bs.data(), 0.5f, c.data());
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          ASSERT_NEAR(c[static_cast<size_t>(i * ldc + j)], 2 * expect[static_cast<size_t>(i * n + j)] + 0.5, 1e-3)
              << ta << tb << " at " << i << "," << j;
        }
      // The padding between rows is untouched.
      EXPECT_EQ(c[static_cast<size_t>(n)], 1.f);
    }
  }
}

TEST(NnMatMul, TwoDimensionalAndBatchedBroadcast) {
  Tensor a = random_tensor(DType::kFloat32, {3, 4}, 1);
  Tensor b = random_tensor(DType::kFloat32, {4, 5}, 2);
  auto y = run_op(make_node("MatMul", 2, 1), {a, b});
  expect_close(y[0], Tensor::from_vector<float>({3, 5}, to_float(naive_matmul(a.to_double_vector(), b.to_double_vector(), 3, 5, 4))));

  // [2,1,3,4] x [3,4,2] -> [2,3,3,2]: the batch dims broadcast.
  Tensor ab = random_tensor(DType::kFloat32, {2, 1, 3, 4}, 3);
  Tensor bb = random_tensor(DType::kFloat32, {3, 4, 2}, 4);
  auto yb = run_op(make_node("MatMul", 2, 1), {ab, bb});
  ASSERT_EQ(yb[0].shape(), (Shape{2, 3, 3, 2}));
  const auto av = ab.to_double_vector(), bv = bb.to_double_vector();
  std::vector<double> expect;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      std::vector<double> as(av.begin() + i * 12, av.begin() + i * 12 + 12), bs(bv.begin() + j * 8, bv.begin() + j * 8 + 8);
      const auto c = naive_matmul(as, bs, 3, 2, 4);
      expect.insert(expect.end(), c.begin(), c.end());
    }
  }
  expect_close(yb[0], Tensor::from_vector<float>({2, 3, 3, 2}, to_float(expect)));
}

TEST(NnMatMul, VectorOperandsIntegersAndEmpty) {
  Tensor v = Tensor::from_vector<float>({3}, {1, 2, 3});
  Tensor m = Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  expect_close(run_op(make_node("MatMul", 2, 1), {v, m})[0], Tensor::from_vector<float>({2}, {22, 28}));
  Tensor mt = Tensor::from_vector<float>({2, 3}, {1, 3, 5, 2, 4, 6});
  expect_close(run_op(make_node("MatMul", 2, 1), {mt, v})[0], Tensor::from_vector<float>({2}, {22, 28}));
  expect_close(run_op(make_node("MatMul", 2, 1), {v, v})[0], Tensor::scalar<float>(14));
  Tensor ai = Tensor::from_vector<int32_t>({2, 2}, {1, 2, 3, 4});
  expect_equal(run_op(make_node("MatMul", 2, 1), {ai, ai})[0], Tensor::from_vector<int32_t>({2, 2}, {7, 10, 15, 22}));
  Tensor al = Tensor::from_vector<int64_t>({1, 2}, {int64_t{1} << 40, 1});
  Tensor bl = Tensor::from_vector<int64_t>({2, 1}, {2, 3});
  expect_equal(run_op(make_node("MatMul", 2, 1), {al, bl})[0], Tensor::from_vector<int64_t>({1, 1}, {(int64_t{1} << 41) + 3}));
  // K = 0 gives zeros; M = 0 gives an empty result.
  expect_equal(run_op(make_node("MatMul", 2, 1), {Tensor(DType::kFloat32, {2, 0}), Tensor(DType::kFloat32, {0, 3})})[0],
               Tensor(DType::kFloat32, {2, 3}));
  EXPECT_EQ(run_op(make_node("MatMul", 2, 1), {Tensor(DType::kFloat32, {0, 4}), Tensor(DType::kFloat32, {4, 5})})[0].shape(), (Shape{0, 5}));
}

TEST(NnMatMul, RejectsMismatchedShapes) {
  EXPECT_FALSE(try_run_op(make_node("MatMul", 2, 1), {Tensor(DType::kFloat32, {2, 3}), Tensor(DType::kFloat32, {4, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MatMul", 2, 1), {Tensor(DType::kFloat32, {2, 2, 3}), Tensor(DType::kFloat32, {3, 3, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MatMul", 2, 1), {Tensor::scalar<float>(1), Tensor(DType::kFloat32, {1})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MatMul", 2, 1), {Tensor(DType::kFloat32, {2, 2}), Tensor(DType::kFloat64, {2, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("MatMul", 2, 1), {Tensor(DType::kBool, {2, 2}), Tensor(DType::kBool, {2, 2})}).is_ok());
}

TEST(NnGemm, AttributesAndBiasBroadcast) {
  const int64_t m = 3, n = 4, k = 5;
  Tensor a = random_tensor(DType::kFloat32, {m, k}, 1);
  Tensor b = random_tensor(DType::kFloat32, {k, n}, 2);
  const auto ab = naive_matmul(a.to_double_vector(), b.to_double_vector(), m, n, k);
  // Transposed copies of A and B.
  Tensor at(DType::kFloat32, {k, m}), bt(DType::kFloat32, {n, k});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) at.data<float>()[p * m + i] = a.data<float>()[i * k + p];
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) bt.data<float>()[j * k + p] = b.data<float>()[p * n + j];
  const std::vector<Shape> c_shapes = {{}, {n}, {1, n}, {m, 1}, {m, n}};
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (const Shape& cs : c_shapes) {
        Tensor c = random_tensor(DType::kFloat32, cs, 7);
        ir::Attributes attrs = {{"transA", Attribute::of_int(ta)}, {"transB", Attribute::of_int(tb)},
                                {"alpha", Attribute::of_float(0.5f)}, {"beta", Attribute::of_float(2.f)}};
        auto y = run_op(make_node("Gemm", 3, 1, attrs), {ta ? at : a, tb ? bt : b, c});
        std::vector<float> expect;
        const auto cv = c.to_double_vector();
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            const int64_t ci = cs.size() == 2 ? (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j) : (cs.empty() ? 0 : j);
            expect.push_back(static_cast<float>(0.5 * ab[static_cast<size_t>(i * n + j)] + 2.0 * cv[static_cast<size_t>(ci)]));
          }
        }
        expect_close(y[0], Tensor::from_vector<float>({m, n}, expect), 1e-5, 1e-5, "C " + shape_to_string(cs));
      }
    }
  }
  // Without C (opset 11+), and with beta = 0 a NaN in C does not leak.
  expect_close(run_op(make_node("Gemm", 2, 1), {a, b})[0], Tensor::from_vector<float>({m, n}, to_float(ab)));
  Tensor nan_c = Tensor::from_vector<float>({1}, {std::nanf("")});
  expect_close(run_op(make_node("Gemm", 3, 1, {{"beta", Attribute::of_float(0.f)}}), {a, b, nan_c})[0],
               Tensor::from_vector<float>({m, n}, to_float(ab)));
}

TEST(NnGemm, RejectsBadShapes) {
  Tensor a = random_tensor(DType::kFloat32, {3, 5}, 1);
  Tensor b = random_tensor(DType::kFloat32, {5, 4}, 2);
  EXPECT_FALSE(try_run_op(make_node("Gemm", 3, 1), {a, b, Tensor(DType::kFloat32, {3, 3})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("Gemm", 2, 1, {{"transB", Attribute::of_int(1)}}), {a, b}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("Gemm", 2, 1), {Tensor(DType::kFloat32, {3, 5, 1}), b}).is_ok());
}

TEST(NnDet, HandValuesBatchesAndSingular) {
  Tensor x = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
  expect_close(run_op(make_node("Det", 1, 1), {x})[0], Tensor::scalar<float>(-2));
  // Needs a row swap: [[0, 1, 2], [1, 0, 3], [4, -3, 8]] has determinant -2.
  Tensor p = Tensor::from_vector<double>({1, 3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8});
  expect_close(run_op(make_node("Det", 1, 1), {p})[0], Tensor::from_vector<double>({1}, {-2}), 1e-12, 1e-12);
  Tensor s = Tensor::from_vector<float>({2, 2, 2}, {1, 2, 2, 4, 2, 0, 0, 3});
  expect_close(run_op(make_node("Det", 1, 1), {s})[0], Tensor::from_vector<float>({2}, {0, 6}));
  EXPECT_FALSE(try_run_op(make_node("Det", 1, 1), {Tensor(DType::kFloat32, {2, 3})}).is_ok());
  EXPECT_FALSE(try_run_op(make_node("Det", 1, 1), {Tensor(DType::kFloat32, {3})}).is_ok());
}

ir::Node einsum(const std::string& eq, int n) { return make_node("Einsum", n, 1, {{"equation", Attribute::of_string(eq)}}); }

TEST(NnEinsum, ProductsTransposesAndReductions) {
  Tensor a = random_tensor(DType::kFloat32, {3, 4}, 1);
  Tensor b = random_tensor(DType::kFloat32, {4, 5}, 2);
  const auto ab = naive_matmul(a.to_double_vector(), b.to_double_vector(), 3, 5, 4);
  expect_close(run_op(einsum("ij,jk->ik", 2), {a, b})[0], Tensor::from_vector<float>({3, 5}, to_float(ab)));
  // Implicit output: the letters used once, alphabetically.
  expect_close(run_op(einsum("ij,jk", 2), {a, b})[0], Tensor::from_vector<float>({3, 5}, to_float(ab)));
  auto t = run_op(einsum("ij->ji", 1), {a})[0];
  ASSERT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t.data<float>()[1 * 3 + 2], a.data<float>()[2 * 4 + 1]);
  auto implicit_t = run_op(einsum("ba", 1), {a})[0];
  EXPECT_EQ(implicit_t.shape(), (Shape{4, 3}));
  double sum = 0;
  for (double v : a.to_double_vector()) sum += v;
  expect_close(run_op(einsum("ij->", 1), {a})[0], Tensor::scalar<float>(static_cast<float>(sum)), 1e-5, 1e-5);
  Tensor sq = Tensor::from_vector<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expect_close(run_op(einsum("ii->i", 1), {sq})[0], Tensor::from_vector<float>({3}, {1, 5, 9}));
  expect_close(run_op(einsum("ii", 1), {sq})[0], Tensor::scalar<float>(15));
  Tensor u = Tensor::from_vector<float>({2}, {1, 2});
  Tensor v = Tensor::from_vector<float>({3}, {1, 10, 100});
  expect_close(run_op(einsum("i,j->ij", 2), {u, v})[0], Tensor::from_vector<float>({2, 3}, {1, 10, 100, 2, 20, 200}));
  Tensor ai = Tensor::from_vector<int64_t>({2}, {3, 4});
  expect_equal(run_op(einsum("i,i", 2), {ai, ai})[0], Tensor::scalar<int64_t>(25));
}

TEST(NnEinsum, EllipsisBroadcastAndBatchDiagonal) {
  // "...ij,...jk->...ik" with batch dims [2,1] and [3] broadcast to [2,3].
  Tensor a = random_tensor(DType::kFloat32, {2, 1, 2, 3}, 3);
  Tensor b = random_tensor(DType::kFloat32, {3, 3, 2}, 4);
  auto y = run_op(einsum("...ij,...jk->...ik", 2), {a, b})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2, 2}));
  const auto av = a.to_double_vector(), bv = b.to_double_vector();
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      std::vector<double> as(av.begin() + i * 6, av.begin() + i * 6 + 6), bs(bv.begin() + j * 6, bv.begin() + j * 6 + 6);
      const auto c = naive_matmul(as, bs, 2, 2, 3);
      for (int e = 0; e < 4; ++e) EXPECT_NEAR(y.data<float>()[(i * 3 + j) * 4 + e], c[static_cast<size_t>(e)], 1e-5);
    }
  }
  // Batched diagonal and implicit output with an ellipsis.
  Tensor d = Tensor::from_vector<float>({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expect_close(run_op(einsum("...ii->...i", 1), {d})[0], Tensor::from_vector<float>({2, 2}, {1, 4, 5, 8}));
  expect_close(run_op(einsum("...ij", 1), {d})[0], d);
}

TEST(NnEinsum, RejectsBadEquations) {
  Tensor a = random_tensor(DType::kFloat32, {3, 4}, 1);
  EXPECT_FALSE(try_run_op(einsum("ij,jk->ik", 1), {a}).is_ok());          // operand count
  EXPECT_FALSE(try_run_op(einsum("ijk->i", 1), {a}).is_ok());             // rank mismatch
  EXPECT_FALSE(try_run_op(einsum("ij,ij->i", 2), {a, Tensor(DType::kFloat32, {3, 5})}).is_ok());  // sizes
  EXPECT_FALSE(try_run_op(einsum("ij->k", 1), {a}).is_ok());              // unknown output label
  EXPECT_FALSE(try_run_op(einsum("i1->i", 1), {a}).is_ok());              // bad character
  EXPECT_FALSE(try_run_op(einsum("..ij->ij", 1), {a}).is_ok());           // malformed ellipsis
  EXPECT_FALSE(try_run_op(einsum("ij->ii", 1), {a}).is_ok());             // repeated output label
}

}  // namespace
}  // namespace lacuna::test
