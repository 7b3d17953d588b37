// A ~50 ms FMA throughput probe: independent chains of vector FMAs on the calling core.
#include "peak.h"

#include <chrono>

#include "core/cpu.h"
#include "runtime/thread_pool.h"

namespace lacuna::cli {

namespace {

// Plain C++ vectorized by the compiler: 12 independent accumulators of 16 floats.
__attribute__((target("avx512f"))) double probe_avx512() {
  float acc[12][16];
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 16; ++j) acc[i][j] = 0.001f * static_cast<float>(i + j);
  const float m = 0.9999f, c = 0.0001f;
  const long iters = 2000000;
  const auto t0 = std::chrono::steady_clock::now();
  for (long k = 0; k < iters; ++k) {
    for (int i = 0; i < 12; ++i) {
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) acc[i][j] = acc[i][j] * m + c;
    }
    __asm__ volatile("" : : "r"(acc) : "memory");
  }
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return iters * 12.0 * 16 * 2 / t / 1e9;
}

__attribute__((target("avx2,fma"))) double probe_avx2() {
  float acc[12][8];
  for (int i = 0; i < 12; ++i)
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.001f * static_cast<float>(i + j);
  const float m = 0.9999f, c = 0.0001f;
  const long iters = 4000000;
  const auto t0 = std::chrono::steady_clock::now();
  for (long k = 0; k < iters; ++k) {
    for (int i = 0; i < 12; ++i) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) acc[i][j] = acc[i][j] * m + c;
    }
    __asm__ volatile("" : : "r"(acc) : "memory");
  }
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return iters * 12.0 * 8 * 2 / t / 1e9;
}

}  // namespace

double peak_gflops_per_core() {
  static const double peak = [] {
    const CpuInfo& c = cpu_info();
    if (c.has(Isa::kAvx512)) return probe_avx512();
    if (c.has(Isa::kAvx2)) return probe_avx2();
    return 8.0;
  }();
  return peak;
}

int runtime_cpus() { return runtime::available_cpus(); }

}  // namespace lacuna::cli
