// FMA throughput probe, AVX-512: 24 independent zmm accumulator chains (enough to cover a
// 4-cycle latency on two FMA ports).
#include <immintrin.h>

#include "kernels/probe/fma_probe.h"

namespace lacuna::kernels {

double fma_probe_avx512(int64_t iters) {
  __m512 a[24];
  for (int i = 0; i < 24; ++i) a[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 m = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(0.0001f);
  for (int64_t k = 0; k < iters; ++k) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) a[i] = _mm512_fmadd_ps(a[i], m, c);
  }
  __m512 s = a[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, a[i]);
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  volatile float sink = out[0];
  (void)sink;
  return static_cast<double>(iters) * 24 * 16 * 2;
}

}  // namespace lacuna::kernels
