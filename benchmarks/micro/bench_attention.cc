// Fused multi-head attention (QK^T * scale -> softmax -> .V per head) on transformer shapes,
// 1 thread; GFLOP/s count the two products.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/attention.h"
#include "kernels/dense/gemm.h"
#include "kernels/dense/rowops.h"

namespace lacuna::bench {
namespace {

void run_attention(benchmark::State& st, int64_t batch, int64_t seq, int64_t heads, int64_t head_dim) {
  const CpuInfo& cpu = cpu_info();
  const kernels::GemmKernel& gk = kernels::select_gemm_kernel(cpu);
  const kernels::RowKernels& rk = kernels::select_row_kernels(cpu);
  kernels::AttentionShape s;
  s.batch = batch;
  s.seq_q = s.seq_k = seq;
  s.heads = heads;
  s.head_dim = head_dim;
  s.q_stride = s.k_stride = s.v_stride = s.out_stride = heads * head_dim;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> q(static_cast<size_t>(batch * seq * heads * head_dim)), k(q.size()), v(q.size()), out(q.size());
  for (auto* t : {&q, &k, &v})
    for (auto& x : *t) x = u(rng);
  std::vector<float> scratch(static_cast<size_t>(kernels::attention_scratch_floats(gk, s)));
  for (auto _ : st) {
    kernels::attention(gk, rk, s, q.data(), k.data(), v.data(), kernels::AttentionMask{}, 0.125f, out.data(), 0,
                       batch * heads, scratch.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(4.0 * static_cast<double>(batch * heads * seq * seq * head_dim),
                                              benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

const int registered = [] {
  benchmark::RegisterBenchmark("attention/bert-base.seq128", run_attention, 1, 128, 12, 64);
  benchmark::RegisterBenchmark("attention/bert-base.seq384", run_attention, 1, 384, 12, 64);
  benchmark::RegisterBenchmark("attention/bert-mini.seq128", run_attention, 1, 128, 4, 64);
  return 0;
}();

}  // namespace
}  // namespace lacuna::bench
