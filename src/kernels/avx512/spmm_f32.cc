// AVX-512 SpMM: 64 output columns per row in 4 zmm accumulators, with two interleaved sets so
// that consecutive non-zeros do not wait on each other's FMA latency; and 16x16 register
// transposes for the linear layers' activation tiles.
#include <immintrin.h>

#include "kernels/avx512/vmath.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {

namespace {

constexpr int kTile = 64;

void rows(const SparseEntry* entries, const int32_t* begins, int64_t n_rows, const float* x, float* c, int64_t ldc,
          bool accumulate) {
  for (int64_t r = 0; r < n_rows; ++r) {
    float* cr = c + r * ldc;
    __m512 a0, a1, a2, a3;
    if (accumulate) {
      a0 = _mm512_loadu_ps(cr);
      a1 = _mm512_loadu_ps(cr + 16);
      a2 = _mm512_loadu_ps(cr + 32);
      a3 = _mm512_loadu_ps(cr + 48);
    } else {
      a0 = a1 = a2 = a3 = _mm512_setzero_ps();
    }
    __m512 b0 = _mm512_setzero_ps(), b1 = b0, b2 = b0, b3 = b0;
    int32_t e = begins[r];
    const int32_t end = begins[r + 1];
    for (; e + 1 < end; e += 2) {
      const float* x0 = x + entries[e].offset;
      const float* x1 = x + entries[e + 1].offset;
      const __m512 w0 = _mm512_set1_ps(entries[e].value);
      const __m512 w1 = _mm512_set1_ps(entries[e + 1].value);
      a0 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0), a0);
      a1 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 16), a1);
      a2 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 32), a2);
      a3 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 48), a3);
      b0 = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1), b0);
      b1 = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1 + 16), b1);
      b2 = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1 + 32), b2);
      b3 = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1 + 48), b3);
    }
    if (e < end) {
      const float* x0 = x + entries[e].offset;
      const __m512 w0 = _mm512_set1_ps(entries[e].value);
      a0 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0), a0);
      a1 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 16), a1);
      a2 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 32), a2);
      a3 = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 48), a3);
    }
    _mm512_storeu_ps(cr, _mm512_add_ps(a0, b0));
    _mm512_storeu_ps(cr + 16, _mm512_add_ps(a1, b1));
    _mm512_storeu_ps(cr + 32, _mm512_add_ps(a2, b2));
    _mm512_storeu_ps(cr + 48, _mm512_add_ps(a3, b3));
  }
}

// In-register 16x16 transpose: r[i] = row i in, column i out.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  // Pairs of rows interleaved within each 128-bit lane.
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // Now r[4i + j], 128-bit lane L = rows 4i..4i+3 at column 4L + j.
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // Column 4L + j gathers lane L of r[j], r[4 + j], r[8 + j], r[12 + j].
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x44);
    t[j + 4] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xee);
    u[j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x44);
    u[j + 4] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xee);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], u[j], 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(t[j], u[j], 0xdd);
    r[8 + j] = _mm512_shuffle_f32x4(t[j + 4], u[j + 4], 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(t[j + 4], u[j + 4], 0xdd);
  }
}

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : (n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1));
}

void pack_transposed(const float* src, int64_t ld_src, int64_t cols, int64_t K, float* dst) {
  __m512 r[16];
  for (int64_t t0 = 0; t0 < kTile; t0 += 16) {
    for (int64_t k0 = 0; k0 < K; k0 += 16) {
      const __mmask16 km = lanes(K - k0);
      for (int i = 0; i < 16; ++i) {
        r[i] = t0 + i < cols ? _mm512_maskz_loadu_ps(km, src + (t0 + i) * ld_src + k0) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int i = 0; i < 16 && k0 + i < K; ++i) _mm512_storeu_ps(dst + (k0 + i) * kTile + t0, r[i]);
    }
  }
}

void unpack_transposed(const float* c, int64_t n_rows, int64_t cols, float* y, int64_t ld_y, const float* bias,
                       const float* residual, int64_t ld_residual, const Epilogue& ep) {
  __m512 r[16];
  const __m512 scale = _mm512_set1_ps(ep.scale);
  for (int64_t o0 = 0; o0 < n_rows; o0 += 16) {
    const __mmask16 om = lanes(n_rows - o0);
    const __m512 b = bias ? _mm512_maskz_loadu_ps(om, bias + o0) : _mm512_setzero_ps();
    for (int64_t t0 = 0; t0 < cols; t0 += 16) {
      for (int i = 0; i < 16; ++i) r[i] = o0 + i < n_rows ? _mm512_loadu_ps(c + (o0 + i) * kTile + t0) : _mm512_setzero_ps();
      transpose16(r);
      for (int i = 0; i < 16 && t0 + i < cols; ++i) {
        const int64_t t = t0 + i;
        __m512 v = _mm512_fmadd_ps(r[i], scale, b);
        if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(om, residual + t * ld_residual + o0));
        _mm512_mask_storeu_ps(y + t * ld_y + o0, om, avx512::activate_ps(v, ep.act, ep.alpha, ep.beta));
      }
    }
  }
}

}  // namespace

const SpmmKernel kSpmmAvx512 = {"spmm_f32_64_avx512", Isa::kAvx512, kTile, rows, pack_transposed, unpack_transposed};

}  // namespace lacuna::kernels
