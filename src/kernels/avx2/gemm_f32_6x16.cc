// AVX2 GEMM micro-kernel: 6 rows x 16 columns (12 ymm accumulators); masked loads/stores for
// partial tiles; fused epilogue.
#include <immintrin.h>

#include "kernels/avx2/vmath.h"
#include "kernels/dense/gemm_ukernels.h"

namespace lacuna::kernels {

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

inline __m256i lane_mask(int64_t valid) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(valid)), idx);
}

inline __m256 load(const float* p, __m256i mask, bool full) {
  return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

inline void store(float* p, __m256 v, __m256i mask, bool full) {
  if (full) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, mask, v);
}

inline __m256 finish(__m256 v, const float* c, __m256i mask, bool full, bool accumulate, const LocalEpilogue& ep,
                     const float* bias, const float* residual, int row) {
  if (accumulate) v = _mm256_add_ps(v, load(c, mask, full));
  if (ep.any) {
    if (ep.scale != 1.f) v = _mm256_mul_ps(v, _mm256_set1_ps(ep.scale));
    if (bias) v = _mm256_add_ps(v, load(bias, mask, full));
    if (ep.row_bias) v = _mm256_add_ps(v, _mm256_set1_ps(ep.row_bias[row]));
    if (residual) v = _mm256_add_ps(v, load(residual, mask, full));
    v = avx2::activate_ps(v, ep.act, ep.alpha, ep.beta);
  }
  return v;
}

template <int M>
void ukernel_rows(int64_t k, int64_t taps, const int64_t* offsets, const float* a, const float* b0, int64_t ldb,
                  float* c, int64_t ldc, int64_t n, bool accumulate, const Epilogue* ep) {
  __m256 acc0[M], acc1[M];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    acc0[i] = _mm256_setzero_ps();
    acc1[i] = _mm256_setzero_ps();
  }
  for (int64_t t = 0; t < taps; ++t) {
  const float* b = b0 + offsets[t];
  for (int64_t p = 0; p < k; ++p) {
    const __m256 bv0 = _mm256_loadu_ps(b);
    const __m256 bv1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(av, bv0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(av, bv1, acc1[i]);
    }
    a += kMr;
    b += ldb;
  }
  }
  const bool full0 = n >= 8, full1 = n >= 16;
  const __m256i m0 = lane_mask(n), m1 = lane_mask(n - 8);
  const LocalEpilogue tep(ep);
  const float* bias = tep.bias;
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) {
    float* row = c + i * ldc;
    const float* res = tep.residual ? tep.residual + i * tep.ld_residual : nullptr;
    store(row, finish(acc0[i], row, m0, full0, accumulate, tep, bias, res, i), m0, full0);
    if (n > 8) {
      store(row + 8, finish(acc1[i], row + 8, m1, full1, accumulate, tep, bias ? bias + 8 : nullptr,
                            res ? res + 8 : nullptr, i), m1, full1);
    }
  }
}

void ukernel_taps(int64_t k, int64_t taps, const int64_t* offsets, const float* a, const float* b, int64_t ldb,
                  float* c, int64_t ldc, int64_t m, int64_t n, bool accumulate, const Epilogue* ep) {
  switch (m) {
    case 6: ukernel_rows<6>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 5: ukernel_rows<5>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 4: ukernel_rows<4>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 3: ukernel_rows<3>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 2: ukernel_rows<2>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 1: ukernel_rows<1>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    default: break;
  }
}

void ukernel(int64_t k, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m, int64_t n,
             bool accumulate, const Epilogue* ep) {
  const int64_t zero = 0;
  ukernel_taps(k, 1, &zero, a, b, ldb, c, ldc, m, n, accumulate, ep);
}

void row_epilogue(float* dst, const float* src, int64_t n, float bias, const float* residual, const Epilogue& ep) {
  const __m256 vb = _mm256_set1_ps(bias);
  const __m256 vs = _mm256_set1_ps(ep.scale);
  for (int64_t i = 0; i < n; i += 8) {
    const bool full = n - i >= 8;
    const __m256i m = lane_mask(n - i);
    __m256 v = _mm256_fmadd_ps(load(src + i, m, full), vs, vb);
    if (residual) v = _mm256_add_ps(v, load(residual + i, m, full));
    store(dst + i, avx2::activate_ps(v, ep.act, ep.alpha, ep.beta), m, full);
  }
}

}  // namespace

// Packing stays plain C++ on this tier (the fallback).
void pack_a6(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0, int64_t kc, float* dst) {
  pack_a(a, lda, transposed, m0, rows, k0, kc, kMr, dst);
}

void pack_b16(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, float* dst) {
  pack_b(b, ldb, K, N, transposed, kNr, dst);
}

const GemmKernel kGemmAvx2_6x16 = {"gemm_f32_6x16_avx2", Isa::kAvx2, kMr, kNr, ukernel, row_epilogue,
                                        ukernel_taps, pack_a6, pack_b16};

}  // namespace lacuna::kernels
