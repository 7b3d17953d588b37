// Sparse kernels against the dense ones on BERT and ResNet layer shapes at 50-99 % sparsity
// (1 thread). Sparse GFLOP/s count non-zeros only ("effective" work); "speedup" is dense time /
// sparse time on the same layer, so the break-even sparsity is where it crosses 1.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/gemm.h"
#include "kernels/sparse/sparse_conv2d.h"
#include "kernels/sparse/sparse_linear.h"
#include "kernels/sparse/spmm_jit.h"
#include "shapes.h"
#include "weights.h"

namespace lacuna::bench {
namespace {

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

// One layer, dense or sparse (the sparse one as SparseConv2d / SparseLinear pick their kernel).
void run(benchmark::State& st, std::string kind, int64_t m, int64_t k, int64_t n, double sparsity, bool sparse, int layers) {
  const CpuInfo& cpu = cpu_info();
  const kernels::GemmKernel& gk = kernels::select_gemm_kernel(cpu);
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
      kernels::SparseConv2d c(cpu, s, w.data(), kernels::ConvEpilogueSpec{}, 1);
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
    // `layers` copies of the layer, run in turn, as a model would (their code and weights do not
    // stay in cache from one run to the next).
    std::vector<std::unique_ptr<kernels::SparseLinear>> ls;
    for (int i = 0; i < layers; ++i) {
      const auto wi = i == 0 ? w : weights(m * kdim, sparsity, 7 + static_cast<uint32_t>(i));
      ls.push_back(std::make_unique<kernels::SparseLinear>(cpu, wi.data(), m, k, false, n, 1));
    }
    int64_t shared_floats = 0, scratch_floats = 0;  // the layers' plans differ with their patterns
    for (const auto& l : ls) {
      shared_floats = std::max(shared_floats, l->shared_floats());
      scratch_floats = std::max(scratch_floats, l->scratch_floats());
    }
    std::vector<float> shared(static_cast<size_t>(shared_floats)), scratch(static_cast<size_t>(scratch_floats));
    size_t i = 0;
    for (auto _ : st) {
      const kernels::SparseLinear& li = *ls[i++ % ls.size()];
      li.pack(x.data(), k, shared.data(), 0, li.pack_items());
      li.run(x.data(), k, y.data(), m, nullptr, nullptr, 0, ep, 0, li.work_items(), shared.data(), scratch.data());
    }
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

// The JIT kernel alone on X [K x N] -> Y [M x N] (rows of N floats): a 1x1 convolution in place,
// or a linear layer on transposed activations. Blocks run one after another over all N columns.
void run_jit(benchmark::State& st, int64_t m, int64_t k, int64_t n, double sparsity, int64_t k_chunk, int tiles_per_chunk) {
  const auto w = weights(m * k, sparsity, 7);
  const auto x = weights(k * n + 16, 0.0, 3);
  std::vector<float> y(static_cast<size_t>(m * n + 16));
  kernels::SpmmJitSpec spec;
  spec.m = m;
  spec.k = k;
  spec.w = w.data();
  // tiles_per_chunk < 0: X and Y packed tile-major ([N/16][K][16], [N/16][M][16]).
  const bool packed = tiles_per_chunk < 0;
  const int64_t ld = packed ? 16 : n;
  spec.x_offset = [ld](int64_t kk) { return kk * ld; };
  spec.y_offset = [ld](int64_t r) { return r * ld; };
  spec.k_chunk = k_chunk;
  auto jit = kernels::SpmmJit::create(spec, cpu_info());
  if (!jit) {
    st.SkipWithError("no JIT on this CPU");
    return;
  }
  const int64_t chunk = tiles_per_chunk > 0 ? 16 * tiles_per_chunk : n;
  if (packed) {
    // Blocks in chunks whose code and values take about 512 KiB, so they stay in L2 while
    // every tile runs through them.
    std::vector<int64_t> chunk_at{0};
    size_t bytes = 0;
    for (int64_t b = 0; b < jit->blocks(); ++b) {
      bytes += static_cast<size_t>(jit->block_nnz(b)) * 11;
      if (bytes > (size_t{512} << 10)) {
        chunk_at.push_back(b + 1);
        bytes = 0;
      }
    }
    if (chunk_at.back() != jit->blocks()) chunk_at.push_back(jit->blocks());
    for (auto _ : st) {
      for (size_t c = 0; c + 1 < chunk_at.size(); ++c) {
        for (int64_t t = 0; t * 16 < n; ++t) {
          for (int64_t kc = 0; kc < jit->chunks(); ++kc) {
            for (int64_t b = chunk_at[c]; b < chunk_at[c + 1]; ++b) jit->run(b, kc, x.data() + t * k * 16, y.data() + t * m * 16, nullptr, 16);
          }
        }
      }
    }
  } else for (auto _ : st) {
    for (int64_t c0 = 0; c0 < n; c0 += chunk) {
      for (int64_t b = 0; b < jit->blocks(); ++b) jit->run(b, x.data() + c0, y.data() + c0, nullptr, std::min(chunk, n - c0));
    }
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(jit->nnz()) * static_cast<double>(n),
                                              benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  st.counters["code_KiB"] = static_cast<double>(jit->code_bytes()) / 1024.0;
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
    benchmark::RegisterBenchmark(("spmm/dense/" + name).c_str(), run, kind, m, k, n, 0.0, false, 1);
    for (int sp : {50, 70, 80, 90, 95, 99}) {
      benchmark::RegisterBenchmark(("spmm/sparse" + std::to_string(sp) + "/" + name).c_str(), run, kind, m, k, n, sp / 100.0, true, 1);
      if (kind == "linear" && sp == 90) {
        benchmark::RegisterBenchmark(("spmm/sparse" + std::to_string(sp) + "_cold/" + name).c_str(), run, kind, m, k, n, sp / 100.0, true,
                                     24);
      }
      if (kind != "conv3x3") {
        // The bare JIT kernel on 16-column tiles packed tile-major, K in chunks of 384.
        benchmark::RegisterBenchmark(("spmm/jit" + std::to_string(sp) + "/" + name).c_str(), run_jit, m, k, n, sp / 100.0, 384, -1);
      }
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace lacuna::bench

namespace lacuna::bench {
namespace {

// The linear layers' activation transposes (16-token tiles), in GB/s of floats moved one way.
void run_transpose(benchmark::State& st, bool unpack, int64_t k, int64_t tokens) {
  const kernels::SpmmKernel& sk = kernels::select_spmm_kernel(cpu_info());
  std::vector<float> x(static_cast<size_t>(tokens * k + 64), 1.f), t(static_cast<size_t>(tokens * k + 64), 2.f);
  kernels::Epilogue ep;
  for (auto _ : st) {
    for (int64_t t0 = 0; t0 < tokens; t0 += 16) {
      if (unpack) {
        sk.unpack_transposed(t.data() + t0 * k, 16, k, 16, x.data() + t0 * k, k, nullptr, nullptr, 0, ep);
      } else {
        sk.pack_transposed(x.data() + t0 * k, k, 16, k, t.data() + t0 * k, 16);
      }
    }
  }
  st.counters["GB/s"] = benchmark::Counter(4.0 * static_cast<double>(tokens * k), benchmark::Counter::kIsIterationInvariantRate,
                                           benchmark::Counter::kIs1000);
}

const int transposes = [] {
  for (int64_t k : {768, 3072}) {
    benchmark::RegisterBenchmark(("spmm/pack_transposed/K" + std::to_string(k) + "xT128").c_str(), run_transpose, false, k, 128);
    benchmark::RegisterBenchmark(("spmm/unpack_transposed/K" + std::to_string(k) + "xT128").c_str(), run_transpose, true, k, 128);
  }
  return 0;
}();

}  // namespace
}  // namespace lacuna::bench
