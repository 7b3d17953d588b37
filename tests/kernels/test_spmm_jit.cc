// The JIT-compiled SpMM against a plain product with the same epilogue: sparsity 0-100 %, random
// and 4x1-block patterns, row counts around the 30-row block size, ragged column counts (masked
// last tile), gapped and permuted X/Y offsets, every fused activation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/sparse/sparse_linear.h"
#include "kernels/sparse/spmm_jit.h"

namespace lacuna::kernels {
namespace {

std::vector<float> sparse_weights(int64_t rows, int64_t k, double sparsity, bool block4, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_real_distribution<double> p(0, 1);
  std::vector<float> w(static_cast<size_t>(rows * k));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < k; c += block4 ? 4 : 1) {
      const bool zero = p(rng) < sparsity;
      for (int64_t j = c; j < std::min<int64_t>(k, c + (block4 ? 4 : 1)); ++j) w[static_cast<size_t>(r * k + j)] = zero ? 0.f : u(rng);
    }
  }
  return w;
}

struct Case {
  int64_t rows, k, cols;
  double sparsity;
  bool block4, bias, residual;
  Activation act;
  float scale;
  int64_t k_chunk = 0;
  bool in_place = false;  // Y is Z (the residual is overwritten by the result)
};

void check(const Case& c) {
  SCOPED_TRACE(testing::Message() << "rows " << c.rows << " k " << c.k << " cols " << c.cols << " sparsity " << c.sparsity
                                  << " block4 " << c.block4 << " act " << activation_name(c.act));
  const auto w = sparse_weights(c.rows, c.k, c.sparsity, c.block4, 11);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  // X rows `ldx` apart in reverse order; Y/Z rows `ldy` apart, rows permuted by stride 7.
  const int64_t ldx = c.cols + 9, ldy = c.cols + 3;
  std::vector<float> x(static_cast<size_t>(c.k * ldx + 16)), bias(static_cast<size_t>(c.rows)),
      z(static_cast<size_t>(c.rows * ldy + 16));
  for (auto& v : x) v = u(rng);
  for (auto& v : bias) v = u(rng);
  for (auto& v : z) v = u(rng);
  const int64_t perm = c.rows % 7 == 0 ? 1 : 7;  // a permutation when coprime with rows
  auto yrow = [&](int64_t r) { return (r * perm) % c.rows; };
  SpmmJitSpec spec;
  spec.m = c.rows;
  spec.k = c.k;
  spec.w = w.data();
  spec.x_offset = [&](int64_t kk) { return (c.k - 1 - kk) * ldx; };
  spec.y_offset = [&](int64_t r) { return yrow(r) * ldy; };
  spec.bias = c.bias ? bias.data() : nullptr;
  spec.residual = c.residual;
  spec.act = c.act;
  spec.alpha = c.act == Activation::kClip ? -0.3f : 0.1f;
  spec.beta = 0.4f;
  spec.scale = c.scale;
  spec.k_chunk = c.k_chunk;
  auto jit = SpmmJit::create(spec, cpu_info());
  ASSERT_NE(jit, nullptr);
  const float sentinel = 12345.f;
  std::vector<float> y(z.size(), sentinel);
  if (c.in_place) y = z;
  const std::vector<float> z0 = z;
  float* out = c.in_place ? z.data() : y.data();
  // Chunk-major, as the drivers run them: every block's chunk c before any block's chunk c + 1.
  for (int64_t ch = 0; ch < jit->chunks(); ++ch) {
    for (int64_t b = 0; b < jit->blocks(); ++b) jit->run(b, ch, x.data(), out, c.residual ? z.data() : nullptr, c.cols);
  }
  if (c.in_place) {
    y = z;
    z = z0;
  }
  int64_t nnz = 0;
  for (float v : w) nnz += v != 0.f;
  EXPECT_EQ(jit->nnz(), nnz);
  int bad = 0;
  for (int64_t r = 0; r < c.rows; ++r) {
    const int64_t yr = yrow(r);
    for (int64_t j = 0; j < ldy; ++j) {
      const float got = y[static_cast<size_t>(yr * ldy + j)];
      if (j >= c.cols) {  // past the tile: untouched
        if (got != (c.in_place ? z[static_cast<size_t>(yr * ldy + j)] : sentinel) && bad++ < 3) ADD_FAILURE() << "wrote past the columns at [" << r << "," << j << "]";
        continue;
      }
      double acc = 0;
      for (int64_t kk = 0; kk < c.k; ++kk) {
        acc += static_cast<double>(w[static_cast<size_t>(r * c.k + kk)]) * x[static_cast<size_t>((c.k - 1 - kk) * ldx + j)];
      }
      float v = static_cast<float>(acc) * c.scale + (c.bias ? bias[static_cast<size_t>(r)] : 0.f);
      if (c.residual) v += z[static_cast<size_t>(yr * ldy + j)];
      const float want = apply_activation(c.act, v, spec.alpha, spec.beta);
      if (std::abs(got - want) > 1e-4f * (1.f + std::abs(want)) && bad++ < 3) {
        ADD_FAILURE() << "[" << r << "," << j << "] got " << got << " want " << want;
      }
    }
  }
}

bool have_avx512() { return cpu_info().has(Isa::kAvx512); }

TEST(SpmmJit, MatchesPlainProductAcrossSparsities) {
  if (!have_avx512()) GTEST_SKIP() << "no AVX-512 (or capped by LACUNA_MAX_ISA)";
  for (double sp : {0.0, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0}) {
    for (bool block4 : {false, true}) {
      for (int64_t rows : {1, 29, 30, 31, 65}) {
        for (int64_t cols : {1, 16, 37}) check({rows, 75, cols, sp, block4, true, false, Activation::kNone, 1.f});
      }
    }
  }
}

TEST(SpmmJit, FusedEpilogues) {
  if (!have_avx512()) GTEST_SKIP() << "no AVX-512 (or capped by LACUNA_MAX_ISA)";
  for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6, Activation::kClip, Activation::kLeakyRelu}) {
    for (bool residual : {false, true}) {
      for (bool bias : {false, true}) {
        for (float scale : {1.f, 0.5f}) check({14, 40, 33, 0.8, false, bias, residual, act, scale});
      }
    }
  }
}

TEST(SpmmJit, KChunksAndInPlaceResidual) {
  if (!have_avx512()) GTEST_SKIP() << "no AVX-512 (or capped by LACUNA_MAX_ISA)";
  for (int64_t kc : {1, 7, 32, 75, 200}) {
    for (bool in_place : {false, true}) {
      for (Activation act : {Activation::kNone, Activation::kRelu}) {
        Case c{31, 75, 37, 0.8, false, true, true, act, 0.5f};
        c.k_chunk = kc;
        c.in_place = in_place;
        check(c);
      }
    }
  }
  Case sparse_chunks{30, 300, 16, 0.99, false, false, false, Activation::kRelu6, 1.f};
  sparse_chunks.k_chunk = 16;  // many chunks without a single non-zero
  check(sparse_chunks);
}

TEST(SpmmJit, LongRowsWalkTheValueArea) {
  if (!have_avx512()) GTEST_SKIP() << "no AVX-512 (or capped by LACUNA_MAX_ISA)";
  // Thousands of non-zeros per block: the value pointer advances many times.
  check({30, 3000, 20, 0.5, false, true, true, Activation::kRelu, 1.f});
}

TEST(SpmmJit, RefusesWhatItCanNotFuse) {
  SpmmJitSpec spec;
  std::vector<float> w(4, 1.f);
  spec.m = 2;
  spec.k = 2;
  spec.w = w.data();
  spec.x_offset = [](int64_t k) { return k * 16; };
  spec.y_offset = [](int64_t r) { return r * 16; };
  spec.act = Activation::kSigmoid;
  EXPECT_EQ(SpmmJit::create(spec, cpu_info()), nullptr);
  EXPECT_FALSE(SpmmJit::fuses_activation(Activation::kGeluErf));
  EXPECT_TRUE(SpmmJit::fuses_activation(Activation::kRelu));
}

}  // namespace
}  // namespace lacuna::kernels

namespace lacuna::kernels {
namespace {

// The linear-layer driver over more workers than its weight has balanced shares: blocks of very
// different non-zero counts (the last one holds most) leave some shares empty, including the last.
TEST(SparseLinearJit, UnevenBlocksOverManyWorkers) {
  if (!cpu_info().has(Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 JIT here";
  const int64_t m = 90, k = 64, tokens = 20;  // 3 blocks of 30 rows
  std::vector<float> w(static_cast<size_t>(m * k), 0.f);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  w[0] = 0.5f;  // block 0: one non-zero; block 1: none; block 2: dense
  for (int64_t i = 60 * k; i < m * k; ++i) w[static_cast<size_t>(i)] = u(rng);
  std::vector<float> x(static_cast<size_t>(tokens * k));
  for (auto& v : x) v = u(rng);
  for (int threads : {2, 3, 5}) {
    SparseLinear l(cpu_info(), w.data(), m, k, false, tokens, threads);
    ASSERT_TRUE(l.jit());
    std::vector<float> shared(static_cast<size_t>(l.shared_floats())), scratch(static_cast<size_t>(l.scratch_floats()));
    std::vector<float> y(static_cast<size_t>(tokens * m), NAN);
    Epilogue ep;
    l.pack(x.data(), k, shared.data(), 0, l.pack_items());
    for (int t = 0; t < threads; ++t) {
      const int64_t items = l.work_items();
      l.run(x.data(), k, y.data(), m, nullptr, nullptr, 0, ep, items * t / threads, items * (t + 1) / threads,
            shared.data(), scratch.data());
    }
    int bad = 0;
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t r = 0; r < m; ++r) {
        double want = 0;
        for (int64_t c = 0; c < k; ++c) want += static_cast<double>(w[static_cast<size_t>(r * k + c)]) * x[static_cast<size_t>(t * k + c)];
        const float got = y[static_cast<size_t>(t * m + r)];
        if (!(std::fabs(got - want) <= 1e-4 + 1e-4 * std::fabs(want)) && bad++ < 3) {
          ADD_FAILURE() << threads << " threads, token " << t << " row " << r << ": " << got << " vs " << want;
        }
      }
    }
    EXPECT_EQ(bad, 0);
  }
}

// Deep inputs run their tokens in groups of tiles whose packed X stays in L2 (K = 2000: 6 tiles
// of 16 tokens per group, so 120 tokens make groups of 6 and 2 tiles, the last with 8 tokens),
// with bias, residual and ReLU, on 1 and 2 workers.
TEST(SparseLinearJit, TokenGroupsOfDeepInputs) {
  if (!cpu_info().has(Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 JIT here";
  const int64_t m = 70, k = 2000, tokens = 120;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> w(static_cast<size_t>(m * k));
  for (auto& v : w) v = u(rng) > 0.8f ? u(rng) : 0.f;
  std::vector<float> x(static_cast<size_t>(tokens * k)), bias(static_cast<size_t>(m)), res(static_cast<size_t>(tokens * m));
  for (auto& v : x) v = u(rng);
  for (auto& v : bias) v = u(rng);
  for (auto& v : res) v = u(rng);
  for (int threads : {1, 2}) {
    SparseLinear l(cpu_info(), w.data(), m, k, false, tokens, threads);
    ASSERT_TRUE(l.jit());
    std::vector<float> shared(static_cast<size_t>(l.shared_floats())), scratch(static_cast<size_t>(l.scratch_floats()));
    std::vector<float> y(static_cast<size_t>(tokens * m), NAN);
    Epilogue ep;
    ep.act = Activation::kRelu;
    l.pack(x.data(), k, shared.data(), 0, l.pack_items());
    for (int t = 0; t < threads; ++t) {
      const int64_t items = l.work_items();
      l.run(x.data(), k, y.data(), m, bias.data(), res.data(), m, ep, items * t / threads, items * (t + 1) / threads,
            shared.data(), scratch.data());
    }
    int bad = 0;
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t r = 0; r < m; ++r) {
        double want = bias[static_cast<size_t>(r)] + res[static_cast<size_t>(t * m + r)];
        for (int64_t c = 0; c < k; ++c) want += static_cast<double>(w[static_cast<size_t>(r * k + c)]) * x[static_cast<size_t>(t * k + c)];
        want = std::max(want, 0.0);
        const float got = y[static_cast<size_t>(t * m + r)];
        if (!(std::fabs(got - want) <= 1e-4 + 1e-4 * std::fabs(want)) && bad++ < 3) {
          ADD_FAILURE() << threads << " threads, token " << t << " row " << r << ": " << got << " vs " << want;
        }
      }
    }
    EXPECT_EQ(bad, 0);
  }
}

}  // namespace
}  // namespace lacuna::kernels
