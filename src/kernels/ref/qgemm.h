// Reference integer GEMM: 8-bit operands with zero points, exact products accumulated into int32
// (wrapping like a 32-bit accumulator would).
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

// C[m, n] = sum_k (A[m, k] - a_zp[m]) * (B[k, n] - b_zp[n]): a_zp has M entries (per row of A),
// b_zp has N entries (per column of B). Row-major with leading dimensions lda, ldb, ldc.
template <class TA, class TB>
void qgemm_s32(int64_t M, int64_t N, int64_t K, const TA* A, int64_t lda, const int32_t* a_zp, const TB* B,
               int64_t ldb, const int32_t* b_zp, int32_t* C, int64_t ldc) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        acc += static_cast<int64_t>(static_cast<int32_t>(A[m * lda + k]) - a_zp[m]) *
               (static_cast<int32_t>(B[k * ldb + n]) - b_zp[n]);
      }
      C[m * ldc + n] = static_cast<int32_t>(acc);
    }
  }
}

}  // namespace lacuna::kernels::ref
