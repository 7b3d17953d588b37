// AVX-512 GEMM micro-kernel: 14 rows x 32 columns (28 zmm accumulators), broadcasting A and
// streaming the packed B panel; masked stores for partial tiles; fused epilogue.
#include <immintrin.h>

#include <algorithm>

#include "kernels/avx512/transpose.h"
#include "kernels/avx512/vmath.h"
#include "kernels/dense/gemm_ukernels.h"

namespace lacuna::kernels {

namespace {

constexpr int kMr = 14;
constexpr int kNr = 32;

inline __m512 finish(__m512 v, const float* c, __mmask16 mask, bool accumulate, const LocalEpilogue& ep,
                     const float* bias, const float* residual, int row) {
  if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, c));
  if (ep.any) {
    if (ep.scale != 1.f) v = _mm512_mul_ps(v, _mm512_set1_ps(ep.scale));
    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias));
    if (ep.row_bias) v = _mm512_add_ps(v, _mm512_set1_ps(ep.row_bias[row]));
    if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, residual));
    v = avx512::activate_ps(v, ep.act, ep.alpha, ep.beta);
  }
  return v;
}

template <int M>
void ukernel_rows(int64_t k, int64_t taps, const int64_t* offsets, const float* a, const float* b0, int64_t ldb,
                  float* c, int64_t ldc, int64_t n, bool accumulate, const Epilogue* ep) {
  __m512 acc0[M], acc1[M];
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (int64_t t = 0; t < taps; ++t) {
  const float* b = b0 + offsets[t];
  for (int64_t p = 0; p < k; ++p) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * ldb), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * ldb + 16), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * kMr), _MM_HINT_T0);
    const __m512 bv0 = _mm512_loadu_ps(b);
    const __m512 bv1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(av, bv0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(av, bv1, acc1[i]);
    }
    a += kMr;
    b += ldb;
  }
  }
  const LocalEpilogue tep(ep);
  if (n == kNr && !accumulate && !tep.any) {  // full tile, nothing to apply: plain stores
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      _mm512_storeu_ps(c + i * ldc, acc0[i]);
      _mm512_storeu_ps(c + i * ldc + 16, acc1[i]);
    }
    return;
  }
  const __mmask16 m0 = n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? static_cast<__mmask16>(0xffff)
                               : (n > 16 ? static_cast<__mmask16>((1u << (n - 16)) - 1) : static_cast<__mmask16>(0));
  const float* bias = tep.bias;
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) {
    float* row = c + i * ldc;
    const float* res = tep.residual ? tep.residual + i * tep.ld_residual : nullptr;
    _mm512_mask_storeu_ps(row, m0, finish(acc0[i], row, m0, accumulate, tep, bias, res, i));
    if (m1) {
      _mm512_mask_storeu_ps(row + 16, m1, finish(acc1[i], row + 16, m1, accumulate, tep,
                                                 bias ? bias + 16 : nullptr, res ? res + 16 : nullptr, i));
    }
  }
}

void ukernel_taps(int64_t k, int64_t taps, const int64_t* offsets, const float* a, const float* b, int64_t ldb,
                  float* c, int64_t ldc, int64_t m, int64_t n, bool accumulate, const Epilogue* ep) {
  switch (m) {
    case 14: ukernel_rows<14>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 13: ukernel_rows<13>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 12: ukernel_rows<12>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 11: ukernel_rows<11>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 10: ukernel_rows<10>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 9: ukernel_rows<9>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 8: ukernel_rows<8>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
    case 7: ukernel_rows<7>(k, taps, offsets, a, b, ldb, c, ldc, n, accumulate, ep); break;
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
  const __m512 vb = _mm512_set1_ps(bias);
  const __m512 vs = _mm512_set1_ps(ep.scale);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, src + i), vs, vb);
    if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual + i));
    _mm512_mask_storeu_ps(dst + i, m, avx512::activate_ps(v, ep.act, ep.alpha, ep.beta));
  }
}

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : (n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1));
}

// Rows of A into 14-row panels: 16 columns of 14 rows at a time through a 16x16 transpose.
void pack_a14(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0, int64_t kc,
              float* dst) {
  constexpr __mmask16 kRowMask = (1u << kMr) - 1;
  for (int64_t r0 = 0; r0 < rows; r0 += kMr) {
    const int64_t h = std::min<int64_t>(kMr, rows - r0);
    float* d = dst + (r0 / kMr) * kMr * kc;
    if (transposed) {  // element (m, k) at a[k * lda + m]: each k is a contiguous run of rows
      const __mmask16 hm = lanes(h);
      const float* src = a + k0 * lda + m0 + r0;
      for (int64_t p = 0; p < kc; ++p) _mm512_mask_storeu_ps(d + p * kMr, kRowMask, _mm512_maskz_loadu_ps(hm, src + p * lda));
      continue;
    }
    __m512 r[16];
    for (int64_t p0 = 0; p0 < kc; p0 += 16) {
      const __mmask16 km = lanes(kc - p0);
      for (int i = 0; i < 16; ++i) {
        r[i] = i < h ? _mm512_maskz_loadu_ps(km, a + (m0 + r0 + i) * lda + k0 + p0) : _mm512_setzero_ps();
      }
      avx512::transpose16(r);
      const int64_t w = std::min<int64_t>(16, kc - p0);
      for (int64_t j = 0; j < w; ++j) _mm512_mask_storeu_ps(d + (p0 + j) * kMr, kRowMask, r[j]);
    }
  }
}

// B into 32-column panels; the transposed form (B^T given, e.g. attention's K) through two
// 16x16 transposes per 16 rows of K.
void pack_b32(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, float* dst) {
  const int64_t np = (N + kNr - 1) / kNr;
  for (int64_t p = 0; p < np; ++p) {
    float* d = dst + p * K * kNr;
    const int64_t n0 = p * kNr;
    const int64_t w = std::min<int64_t>(kNr, N - n0);
    if (!transposed) {
      const __mmask16 m0 = lanes(w), m1 = lanes(w - 16);
      for (int64_t kk = 0; kk < K; ++kk) {
        const float* src = b + kk * ldb + n0;
        _mm512_storeu_ps(d + kk * kNr, _mm512_maskz_loadu_ps(m0, src));
        _mm512_storeu_ps(d + kk * kNr + 16, _mm512_maskz_loadu_ps(m1, src + 16));
      }
      continue;
    }
    __m512 lo[16], hi[16];
    for (int64_t k0 = 0; k0 < K; k0 += 16) {
      const __mmask16 km = lanes(K - k0);
      for (int j = 0; j < 16; ++j) {
        lo[j] = j < w ? _mm512_maskz_loadu_ps(km, b + (n0 + j) * ldb + k0) : _mm512_setzero_ps();
        hi[j] = j + 16 < w ? _mm512_maskz_loadu_ps(km, b + (n0 + 16 + j) * ldb + k0) : _mm512_setzero_ps();
      }
      avx512::transpose16(lo);
      avx512::transpose16(hi);
      const int64_t kw = std::min<int64_t>(16, K - k0);
      for (int64_t kk = 0; kk < kw; ++kk) {
        _mm512_storeu_ps(d + (k0 + kk) * kNr, lo[kk]);
        _mm512_storeu_ps(d + (k0 + kk) * kNr + 16, hi[kk]);
      }
    }
  }
}

}  // namespace

const GemmKernel kGemmAvx512_14x32 = {"gemm_f32_14x32_avx512", Isa::kAvx512, kMr, kNr, ukernel, row_epilogue,
                                        ukernel_taps, pack_a14, pack_b32};

}  // namespace lacuna::kernels
