// Reference GEMM: C = alpha * op(A) * op(B) + beta * C over row-major matrices with leading
// dimensions. The oracle for every optimized matrix kernel (MatMul, Gemm, Conv's im2col path).
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

struct GemmShape {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false;  // A is stored k x m
  bool trans_b = false;  // B is stored n x k
  int64_t lda = 0, ldb = 0, ldc = 0;
};

// beta == 0 overwrites C without reading it (so uninitialised or NaN contents do not leak).
// Accumulates in T (float for float, double for double, wrap-around for integers).
template <class T>
void gemm(const GemmShape& s, T alpha, const T* a, const T* b, T beta, T* c);

// Row-major leading dimensions for dense, untransposed-in-memory operands.
inline GemmShape dense_gemm_shape(int64_t m, int64_t n, int64_t k, bool trans_a = false,
                                  bool trans_b = false) {
  return GemmShape{m, n, k, trans_a, trans_b, trans_a ? m : k, trans_b ? k : n, n};
}

}  // namespace lacuna::kernels::ref
