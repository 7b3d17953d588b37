// SpMM micro-kernels (AVX-512, AVX2, scalar) against a plain sparse product, at sparsity 0, 50,
// 70, 90, 95, 99 and 100 %, with random and 4x1-block patterns and ragged shapes; and the
// transposes used by the linear-layer driver.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/sparse/spmm.h"

namespace lacuna::kernels {
namespace {

std::vector<const SpmmKernel*> kernels_to_test() {
  std::vector<const SpmmKernel*> ks = {&kSpmmScalar};
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx2)) ks.push_back(&kSpmmAvx2);
  if (static_cast<int>(cpu_info().hw_isa) >= static_cast<int>(Isa::kAvx512)) ks.push_back(&kSpmmAvx512);
  return ks;
}

// rows x k weights with the given fraction of zeros; `block4` zeroes 4x1 blocks along k.
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

TEST(Spmm, RowsMatchPlainProduct) {
  for (const SpmmKernel* sk : kernels_to_test()) {
    const int64_t tile = sk->tile;
    for (double sp : {0.0, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0}) {
      for (bool block4 : {false, true}) {
        for (int64_t rows : {1, 7, 33}) {
          const int64_t k = 75, blocks = 3;
          const auto w = sparse_weights(rows, k, sp, block4, 7);
          // Input rows of `tile` floats, 3 apart in index -> stride tile + 5 (unaligned).
          const int64_t ldx = tile + 5;
          std::vector<float> x(static_cast<size_t>(k * ldx + tile));
          std::mt19937 rng(3);
          std::uniform_real_distribution<float> u(-1.f, 1.f);
          for (auto& v : x) v = u(rng);
          SparseRows sr(w.data(), rows, k, [&](int64_t c) { return c * ldx; }, [&](int64_t c) { return c * blocks / k; }, blocks);
          std::vector<float> c(static_cast<size_t>(sr.groups() * kSparseGroup * tile), NAN);
          for (int64_t b = 0; b < blocks; ++b) sk->rows(sr.entries(), sr.block_steps(b), sr.groups(), x.data(), c.data(), tile, b > 0);
          EXPECT_EQ(sr.nnz(), std::count_if(w.begin(), w.end(), [](float v) { return v != 0.f; }));
          int bad = 0;
          for (int64_t pos = 0; pos < rows; ++pos) {
            const int64_t r = sr.row_at(pos);
            for (int64_t j = 0; j < tile; ++j) {
              double want = 0;
              for (int64_t q = 0; q < k; ++q) want += static_cast<double>(w[static_cast<size_t>(r * k + q)]) * x[static_cast<size_t>(q * ldx + j)];
              if (std::abs(c[static_cast<size_t>(pos * tile + j)] - want) > 1e-4 * (1 + std::abs(want)) && bad++ < 3) {
                ADD_FAILURE() << sk->name << " sparsity " << sp << " rows " << rows << " [" << r << "," << j << "]";
              }
            }
          }
        }
      }
    }
  }
}

TEST(Spmm, Transposes) {
  for (const SpmmKernel* sk : kernels_to_test()) {
    const int64_t tile = sk->tile;
    for (int64_t cols : {tile, tile - 3, int64_t{1}}) {
      for (int64_t kk : {int64_t{1}, int64_t{17}, int64_t{48}}) {
        const int64_t ld = kk + 3;
        std::vector<float> src(static_cast<size_t>(tile * ld));
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i % 1000) * 0.5f;
        std::vector<float> dst(static_cast<size_t>(kk * tile), NAN);
        sk->pack_transposed(src.data(), ld, cols, kk, dst.data(), tile);
        for (int64_t q = 0; q < kk; ++q) {
          for (int64_t t = 0; t < tile; ++t) {
            const float want = t < cols ? src[static_cast<size_t>(t * ld + q)] : 0.f;
            ASSERT_EQ(dst[static_cast<size_t>(q * tile + t)], want) << sk->name << " pack k" << q << " t" << t;
          }
        }
        // Unpack a rows x tile C back into row-major Y with bias and residual.
        const int64_t rows = kk;
        std::vector<float> bias(static_cast<size_t>(rows)), res(static_cast<size_t>(cols * rows)), y(static_cast<size_t>(cols * rows), NAN);
        for (size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(i);
        for (size_t i = 0; i < res.size(); ++i) res[i] = 0.25f * static_cast<float>(i);
        Epilogue ep;
        ep.act = Activation::kRelu;
        sk->unpack_transposed(dst.data(), tile, rows, cols, y.data(), rows, bias.data(), res.data(), rows, ep);
        for (int64_t t = 0; t < cols; ++t) {
          for (int64_t o = 0; o < rows; ++o) {
            const float want = std::max(0.f, dst[static_cast<size_t>(o * tile + t)] + bias[static_cast<size_t>(o)] + res[static_cast<size_t>(t * rows + o)]);
            ASSERT_EQ(y[static_cast<size_t>(t * rows + o)], want) << sk->name << " unpack t" << t << " o" << o;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace lacuna::kernels
