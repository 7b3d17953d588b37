#include "kernels/probe/fma_probe.h"

#include <algorithm>
#include <chrono>

#include "core/cpu.h"

namespace lacuna::kernels {

namespace {

double best_rate(double (*probe)(int64_t), int64_t iters) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    const double flops = probe(iters);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flops / s / 1e9);
  }
  return best;
}

}  // namespace

double fp32_peak_gflops_per_core() {
  static const double peak = [] {
    const CpuInfo& c = cpu_info();
    best_rate(c.has(Isa::kAvx512) ? fma_probe_avx512 : fma_probe_avx2, 200000);  // warm up the clock
    if (c.has(Isa::kAvx512)) return best_rate(fma_probe_avx512, 1000000);
    if (c.has(Isa::kAvx2)) return best_rate(fma_probe_avx2, 2000000);
    return 8.0;
  }();
  return peak;
}

}  // namespace lacuna::kernels
