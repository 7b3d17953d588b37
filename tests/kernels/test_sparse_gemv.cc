// The sparse GEMV kernels (scalar, AVX2, AVX-512) and their driver against a plain product in
// double precision: sparsity 0, 50, 70, 90, 95, 99 and 100 %, random and 4x1-block patterns,
// ragged shapes, 1-4 tokens, both weight layouts, several work items, and the fused epilogue
// (scale, bias, residual aliasing the output, activations).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "kernels/sparse/sparse_gemv.h"

namespace lacuna::kernels {
namespace {

std::vector<Isa> tiers() {
  std::vector<Isa> t = {Isa::kScalar};
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx2)) t.push_back(Isa::kAvx2);
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx512)) t.push_back(Isa::kAvx512);
  return t;
}

std::vector<float> uniform(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  return v;
}

// m x k weights with the given fraction of zeros; `block4` zeroes 4x1 blocks along k.
std::vector<float> sparse_weights(int64_t m, int64_t k, double sparsity, bool block4, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> p(0, 1);
  std::vector<float> w = uniform(m * k, seed + 1);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < k; c += block4 ? 4 : 1) {
      if (p(rng) >= sparsity) continue;
      for (int64_t j = c; j < std::min<int64_t>(k, c + (block4 ? 4 : 1)); ++j) w[static_cast<size_t>(r * k + j)] = 0.f;
    }
  }
  return w;
}

TEST(SparseGemv, MatchesPlainProductOnEveryTier) {
  uint32_t seed = 1;
  for (Isa isa : tiers()) {
    CpuInfo cpu = cpu_info();
    cpu.isa = isa;
    for (double sp : {0.0, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0}) {
      for (bool block4 : {false, true}) {
        for (auto [m, k] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {7, 37}, {33, 17}, {130, 1000}}) {
          for (bool k_major : {false, true}) {
            for (int threads : {1, 3}) {
              const auto w = sparse_weights(m, k, sp, block4, ++seed);
              std::vector<float> wk = w;  // as given to the constructor
              if (k_major) {
                for (int64_t r = 0; r < m; ++r) {
                  for (int64_t c = 0; c < k; ++c) wk[static_cast<size_t>(c * m + r)] = w[static_cast<size_t>(r * k + c)];
                }
              }
              const SparseGemv g(cpu, wk.data(), m, k, k_major, threads);
              ASSERT_EQ(g.nnz(), std::count_if(w.begin(), w.end(), [](float v) { return v != 0.f; }));
              ASSERT_GE(g.work_items(), 1);
              for (int tokens = 1; tokens <= kGemvMaxTokens; ++tokens) {
                SCOPED_TRACE(std::string(g.kernel_name()) + " sparsity " + std::to_string(sp) + (block4 ? " 4x1" : "") +
                             " m " + std::to_string(m) + " k " + std::to_string(k) + (k_major ? " k-major" : "") +
                             " threads " + std::to_string(threads) + " tokens " + std::to_string(tokens));
                const int64_t ldx = k + 3, ldy = m + 5;
                const auto x = uniform(tokens * ldx, ++seed);
                const auto bias = uniform(m, ++seed);
                std::vector<float> y = uniform(tokens * ldy, ++seed);  // holds the residual: Z aliases Y
                const std::vector<float> z = y;
                Epilogue ep;
                ep.scale = 0.75f;
                ep.act = (seed % 2) ? Activation::kRelu : Activation::kGeluErf;
                // Work items split as workers would take them.
                for (int part = 0; part < threads; ++part) {
                  const int64_t items = g.work_items();
                  g.run(x.data(), ldx, tokens, y.data(), ldy, bias.data(), y.data(), ldy, ep, items * part / threads,
                        items * (part + 1) / threads);
                }
                int bad = 0;
                for (int t = 0; t < tokens; ++t) {
                  for (int64_t r = 0; r < m; ++r) {
                    double acc = 0;
                    for (int64_t c = 0; c < k; ++c) {
                      acc += static_cast<double>(w[static_cast<size_t>(r * k + c)]) * x[static_cast<size_t>(t * ldx + c)];
                    }
                    const float v = static_cast<float>(acc * ep.scale + bias[static_cast<size_t>(r)] +
                                                       z[static_cast<size_t>(t * ldy + r)]);
                    const float want = apply_activation(ep.act, v, 0.f, 0.f);
                    const float got = y[static_cast<size_t>(t * ldy + r)];
                    if (!(std::fabs(got - want) <= 1e-4f + 1e-4f * std::fabs(want)) && bad++ < 3) {
                      ADD_FAILURE() << "token " << t << " row " << r << ": " << got << " vs " << want;
                    }
                  }
                  // Padding columns of Y untouched.
                  for (int64_t r = m; r < ldy; ++r) EXPECT_EQ(y[static_cast<size_t>(t * ldy + r)], z[static_cast<size_t>(t * ldy + r)]);
                }
                EXPECT_EQ(bad, 0);
              }
            }
          }
        }
      }
    }
  }
}

TEST(SparseGemv, KernelPerTier) {
  for (Isa isa : tiers()) {
    CpuInfo cpu = cpu_info();
    cpu.isa = isa;
    const std::vector<float> w = {1.f, 0.f, 2.f};
    const SparseGemv g(cpu, w.data(), 1, 3, false, 1);
    EXPECT_EQ(std::string(g.kernel_name()), std::string(select_sparse_gemv_kernel(cpu).name));
    EXPECT_EQ(g.nnz(), 2);
  }
  EXPECT_TRUE(SparseGemv::supports(kGemvMaxK, 1));
  EXPECT_FALSE(SparseGemv::supports(kGemvMaxK + 1, 1));
  EXPECT_FALSE(SparseGemv::supports(100, kGemvMaxTokens + 1));
}

}  // namespace
}  // namespace lacuna::kernels
