// Sparse kernels against the dense ones on BERT and ResNet layer shapes at 50-99 % sparsity
// (1 thread). Sparse GFLOP/s count non-zeros only ("effective" work); "speedup" is dense time /
// sparse time on the same layer, so the break-even sparsity is where it crosses 1.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/gemm.h"
#include "kernels/sparse/sparse_conv2d.h"
#include "kernels/sparse/sparse_linear.h"
#include "shapes.h"

namespace lacuna::bench {
namespace {

std::vector<float> weights(int64_t n, double sparsity, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_real_distribution<double> p(0, 1);
  std::vector<float> w(static_cast<size_t>(n));
  for (auto& v : w) v = p(rng) < sparsity ? 0.f : u(rng);
  return w;
}

kernels::Conv2dShape conv_shape(bool k3, int64_t m, int64_t k, int64_t n) {
  kernels::Conv2dShape s;
  int64_t side = 1;
  while (side * side < n) ++side;
  s.c = k;
  s.k = m;
  s.h = s.w = s.oh = s.ow = side;
  s.r = s.s = k3 ? 3 : 1;
  s.pad_t = s.pad_l = k3 ? 1 : 0;
  return s;
}

// Dense time per run for a layer (seconds), measured once per shape and shared by sparsities.
void run(benchmark::State& st, std::string kind, int64_t m, int64_t k, int64_t n, double sparsity, bool sparse) {
  const CpuInfo& cpu = cpu_info();
  const kernels::GemmKernel& gk = kernels::select_gemm_kernel(cpu);
  const kernels::SpmmKernel& sk = kernels::select_spmm_kernel(cpu);
  const bool conv = kind != "linear";
  const int64_t kdim = conv ? k * (kind == "conv3x3" ? 9 : 1) : k;
  const auto w = weights(m * kdim, sparsity, 7);
  int64_t nnz = 0;
  for (float v : w) nnz += v != 0.f;
  std::vector<float> x = weights(std::max<int64_t>(n, 1) * k, 0.0, 3);
  std::vector<float> y(static_cast<size_t>(n * m));
  kernels::Epilogue ep;
  if (conv) {
    const kernels::Conv2dShape s = conv_shape(kind == "conv3x3", m, k, n);
    x.resize(static_cast<size_t>(s.c * s.h * s.w));
    y.resize(static_cast<size_t>(s.k * s.oh * s.ow));
    if (sparse) {
      kernels::SparseConv2d c(sk, gk, s, w.data(), 1);
      std::vector<float> padded(static_cast<size_t>(c.padded_floats()) + 64), scratch(static_cast<size_t>(c.scratch_floats()));
      for (auto _ : st) {
        c.pad_input(x.data(), padded.data(), 0, s.c);
        c.run(c.direct() ? x.data() : padded.data(), y.data(), ep, 0, c.work_items(), scratch.data());
      }
    } else {
      kernels::DenseConv2d c(gk, s, w.data());
      std::vector<float> padded(static_cast<size_t>(c.padded_floats()) + 64), scratch(static_cast<size_t>(c.scratch_floats()));
      for (auto _ : st) {
        c.pad_input(x.data(), padded.data(), 0, s.c);
        c.run(x.data(), padded.data(), y.data(), ep, 0, c.work_items(1), 1, scratch.data());
      }
    }
  } else if (sparse) {
    kernels::SparseLinear l(sk, w.data(), m, k, false, n, 1);
    std::vector<float> scratch(static_cast<size_t>(l.scratch_floats()));
    for (auto _ : st) l.run(x.data(), k, y.data(), m, nullptr, nullptr, 0, ep, 0, l.work_items(), scratch.data());
  } else {
    kernels::PackedB pb(w.data(), k, m, /*transposed=*/true, gk.nr);
    std::vector<float> scratch(static_cast<size_t>(kernels::gemm_scratch_floats(gk, n)));
    for (auto _ : st) kernels::gemm_packed(gk, x.data(), k, false, pb, y.data(), m, 0, n, 0, pb.panels(), ep, scratch.data());
  }
  const double work = 2.0 * static_cast<double>(sparse ? nnz : m * kdim) * static_cast<double>(n);
  st.counters["GFLOP/s"] = benchmark::Counter(work, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  st.counters["dense_GFLOP/s_equiv"] =
      benchmark::Counter(2.0 * static_cast<double>(m * kdim) * static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}

int register_all() {
  for (const auto& row : read_shapes("spmm.txt", 0)) {
    (void)row;
  }
  std::ifstream in(std::string(LACUNA_SHAPES_DIR) + "/spmm.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string kind, name;
    int64_t m, k, n;
    ss >> kind >> m >> k >> n >> name;
    benchmark::RegisterBenchmark(("spmm/dense/" + name).c_str(), run, kind, m, k, n, 0.0, false);
    for (int sp : {50, 70, 80, 90, 95, 99}) {
      benchmark::RegisterBenchmark(("spmm/sparse" + std::to_string(sp) + "/" + name).c_str(), run, kind, m, k, n, sp / 100.0, true);
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace lacuna::bench
