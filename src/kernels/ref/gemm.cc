// Reference GEMM. Operands stored transposed are first copied into plain row-major panels so the
// inner loop always runs along contiguous rows of B and C, which the compiler vectorises.
#include "kernels/ref/gemm.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

namespace {

// Column blocks of C and row blocks of B sized so one B panel stays in L2 while rows of A stream.
constexpr int64_t kBlockN = 512;
constexpr int64_t kBlockK = 128;

template <class T>
void transpose_copy(const T* src, int64_t rows, int64_t cols, int64_t ld, T* dst) {
  // src is rows x cols with leading dimension ld; dst becomes cols x rows, dense.
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * ld + c];
  }
}

}  // namespace

template <class T>
void gemm(const GemmShape& s, T alpha, const T* a, const T* b, T beta, T* c) {
  const int64_t m = s.m, n = s.n, k = s.k;
  if (m <= 0 || n <= 0) return;
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * s.ldc;
    if (beta == T(0)) {
      std::fill(ci, ci + n, T(0));
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < n; ++j) ci[j] = static_cast<T>(beta * ci[j]);
    }
  }
  if (k <= 0 || alpha == T(0)) return;

  std::vector<T> a_packed, b_packed;
  int64_t lda = s.lda, ldb = s.ldb;
  if (s.trans_a) {  // stored k x m -> m x k
    a_packed.resize(static_cast<size_t>(m * k));
    transpose_copy(a, k, m, s.lda, a_packed.data());
    a = a_packed.data();
    lda = k;
  }
  if (s.trans_b) {  // stored n x k -> k x n
    b_packed.resize(static_cast<size_t>(k * n));
    transpose_copy(b, n, k, s.ldb, b_packed.data());
    b = b_packed.data();
    ldb = n;
  }

  for (int64_t j0 = 0; j0 < n; j0 += kBlockN) {
    const int64_t nb = std::min(kBlockN, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kBlockK) {
      const int64_t kb = std::min(kBlockK, k - p0);
      for (int64_t i = 0; i < m; ++i) {
        T* __restrict ci = c + i * s.ldc + j0;
        const T* ai = a + i * lda + p0;
        for (int64_t p = 0; p < kb; ++p) {
          const T av = static_cast<T>(alpha * ai[p]);
          const T* __restrict bp = b + (p0 + p) * ldb + j0;
          for (int64_t j = 0; j < nb; ++j) ci[j] = static_cast<T>(ci[j] + av * bp[j]);
        }
      }
    }
  }
}

template void gemm<float>(const GemmShape&, float, const float*, const float*, float, float*);
template void gemm<double>(const GemmShape&, double, const double*, const double*, double, double*);
template void gemm<int32_t>(const GemmShape&, int32_t, const int32_t*, const int32_t*, int32_t, int32_t*);
template void gemm<int64_t>(const GemmShape&, int64_t, const int64_t*, const int64_t*, int64_t, int64_t*);
template void gemm<uint32_t>(const GemmShape&, uint32_t, const uint32_t*, const uint32_t*, uint32_t, uint32_t*);
template void gemm<uint64_t>(const GemmShape&, uint64_t, const uint64_t*, const uint64_t*, uint64_t, uint64_t*);

}  // namespace lacuna::kernels::ref
