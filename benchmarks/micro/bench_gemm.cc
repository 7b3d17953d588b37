// GEMM GFLOP/s on model shapes: Lacuna's packed GEMM (per ISA, 1 thread) and oneDNN's sgemm.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/gemm.h"
#include "kernels/dense/gemm_ukernels.h"
#include "shapes.h"
#ifdef LACUNA_BENCH_WITH_DNNL
#include <dnnl.h>
#endif

namespace lacuna::bench {
namespace {

using kernels::Epilogue;
using kernels::GemmKernel;
using kernels::PackedB;

std::vector<float> random_vec(size_t n) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

void run_lacuna(benchmark::State& st, const GemmKernel* k, long M, long N, long K) {
  const auto a = random_vec(static_cast<size_t>(M * K));
  const auto b = random_vec(static_cast<size_t>(K * N));
  std::vector<float> c(static_cast<size_t>(M * N));
  PackedB pb(b.data(), K, N, false, k->nr);
  std::vector<float> scratch(static_cast<size_t>(kernels::gemm_scratch_floats(*k, M)));
  for (auto _ : st) {
    kernels::gemm_packed(*k, a.data(), K, false, pb, c.data(), N, 0, M, 0, pb.panels(), Epilogue{}, scratch.data());
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

#ifdef LACUNA_BENCH_WITH_DNNL
void run_dnnl(benchmark::State& st, long M, long N, long K) {
  const auto a = random_vec(static_cast<size_t>(M * K));
  const auto b = random_vec(static_cast<size_t>(K * N));
  std::vector<float> c(static_cast<size_t>(M * N));
  for (auto _ : st) {
    dnnl_sgemm('N', 'N', M, N, K, 1.f, a.data(), K, b.data(), N, 0.f, c.data(), N);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}
#endif

int register_all() {
  const CpuInfo& cpu = cpu_info();
  for (const auto& row : read_shapes("gemm.txt", 3)) {
    const long M = row.dims[0], N = row.dims[1], K = row.dims[2];
    const std::string shape = row.name + "/M" + std::to_string(M) + "N" + std::to_string(N) + "K" + std::to_string(K);
    if (cpu.has(Isa::kAvx512)) {
      benchmark::RegisterBenchmark(("gemm/lacuna_avx512/" + shape).c_str(), run_lacuna, &kernels::kGemmAvx512_14x32, M, N, K);
    }
    if (cpu.has(Isa::kAvx2)) {
      benchmark::RegisterBenchmark(("gemm/lacuna_avx2/" + shape).c_str(), run_lacuna, &kernels::kGemmAvx2_6x16, M, N, K);
    }
#ifdef LACUNA_BENCH_WITH_DNNL
    benchmark::RegisterBenchmark(("gemm/onednn_sgemm/" + shape).c_str(), run_dnnl, M, N, K);
#endif
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace lacuna::bench

BENCHMARK_MAIN();
