// Batch-1 linear layers (one token): the dense GEMM kernel against the sparse GEMV kernel at
// 50-95 % sparsity and against the 16-token JIT (which wastes 15 of 16 lanes here), 1 thread.
// These layers stream their weights, so GB/s (of the kernel's own weight format) is reported
// next to GFLOP/s (dense-equivalent for the dense kernel, non-zeros for the sparse ones). The
// weight sets rotate over enough copies to exceed the L2, as in a model run.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/gemm.h"
#include "kernels/sparse/sparse_gemv.h"
#include "kernels/sparse/sparse_linear.h"
#include "shapes.h"
#include "weights.h"

namespace lacuna::bench {
namespace {

// Copies of the layer so that their weights together pass 64 MiB (at least 2).
int copies_for(double bytes) { return static_cast<int>(std::clamp(64.0 * (1 << 20) / bytes + 1.0, 2.0, 16.0)); }

void run_gemv(benchmark::State& st, std::string kind, int64_t m, int64_t k, double sparsity) {
  const CpuInfo& cpu = cpu_info();
  const std::vector<float> x = weights(k, 0.0, 3);
  std::vector<float> y(static_cast<size_t>(m));
  kernels::Epilogue ep;
  double bytes = 0, work = 0;
  if (kind == "dense") {
    const kernels::GemmKernel& gk = kernels::select_gemm_kernel(cpu);
    std::vector<std::unique_ptr<kernels::PackedB>> ws;
    const int n = copies_for(4.0 * static_cast<double>(m * k));
    for (int i = 0; i < n; ++i) {
      const auto w = weights(m * k, 0.0, 7 + static_cast<uint32_t>(i));
      ws.push_back(std::make_unique<kernels::PackedB>(w.data(), k, m, /*transposed=*/true, gk.nr));
    }
    std::vector<float> scratch(static_cast<size_t>(kernels::gemm_scratch_floats(gk, 1)));
    size_t i = 0;
    for (auto _ : st) {
      const kernels::PackedB& pb = *ws[i++ % ws.size()];
      kernels::gemm_packed(gk, x.data(), k, false, pb, y.data(), m, 0, 1, 0, pb.panels(), ep, scratch.data());
    }
    bytes = 4.0 * static_cast<double>(m * k);
    work = 2.0 * static_cast<double>(m * k);
  } else if (kind == "gemv") {
    std::vector<std::unique_ptr<kernels::SparseGemv>> ws;
    const int n = copies_for(6.0 * static_cast<double>(m * k) * (1.0 - sparsity));
    for (int i = 0; i < n; ++i) {
      const auto w = weights(m * k, sparsity, 7 + static_cast<uint32_t>(i));
      ws.push_back(std::make_unique<kernels::SparseGemv>(cpu, w.data(), m, k, false, 1));
    }
    size_t i = 0;
    for (auto _ : st) {
      const kernels::SparseGemv& g = *ws[i++ % ws.size()];
      g.run(x.data(), k, 1, y.data(), m, nullptr, nullptr, 0, ep, 0, g.work_items());
    }
    bytes = static_cast<double>(ws[0]->weight_bytes());
    work = 2.0 * static_cast<double>(ws[0]->nnz());
  } else {  // the 16-token JIT on one token
    std::vector<std::unique_ptr<kernels::SparseLinear>> ws;
    const int n = copies_for(11.0 * static_cast<double>(m * k) * (1.0 - sparsity));
    int64_t shared = 0, scratch = 0;
    for (int i = 0; i < n; ++i) {
      const auto w = weights(m * k, sparsity, 7 + static_cast<uint32_t>(i));
      ws.push_back(std::make_unique<kernels::SparseLinear>(cpu, w.data(), m, k, false, 1, 1));
      shared = std::max(shared, ws.back()->shared_floats());
      scratch = std::max(scratch, ws.back()->scratch_floats());
    }
    std::vector<float> sh(static_cast<size_t>(shared)), sc(static_cast<size_t>(scratch));
    size_t i = 0;
    for (auto _ : st) {
      const kernels::SparseLinear& l = *ws[i++ % ws.size()];
      l.pack(x.data(), k, sh.data(), 0, l.pack_items());
      l.run(x.data(), k, y.data(), m, nullptr, nullptr, 0, ep, 0, l.work_items(), sh.data(), sc.data());
    }
    bytes = static_cast<double>(ws[0]->weight_bytes());
    work = 2.0 * static_cast<double>(ws[0]->nnz());
  }
  st.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  st.counters["GFLOP/s"] = benchmark::Counter(work, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

const int registered = [] {
  for (const auto& row : read_shapes("gemv.txt", 2)) {
    const int64_t m = row.dims[0], k = row.dims[1];
    benchmark::RegisterBenchmark(("gemv/dense/" + row.name).c_str(), run_gemv, "dense", m, k, 0.0);
    for (int sp : {30, 50, 70, 90, 95}) {
      benchmark::RegisterBenchmark(("gemv/sparse" + std::to_string(sp) + "/" + row.name).c_str(), run_gemv, "gemv", m, k, sp / 100.0);
    }
    benchmark::RegisterBenchmark(("gemv/jit90/" + row.name).c_str(), run_gemv, "jit", m, k, 0.9);
  }
  return 0;
}();

}  // namespace
}  // namespace lacuna::bench
