// The packed GEMM (AVX-512, AVX2 and scalar micro-kernels) against the reference GEMM, over
// remainder shapes, transposes, thread partitions and every epilogue.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/gemm.h"
#include "kernels/dense/gemm_ukernels.h"
#include "kernels/ref/gemm.h"

namespace lacuna::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<const GemmKernel*> available_kernels() {
  std::vector<const GemmKernel*> ks = {&scalar_gemm_kernel()};
  const CpuInfo& cpu = cpu_info();
  if (static_cast<int>(cpu.hw_isa) >= static_cast<int>(Isa::kAvx2)) ks.push_back(&kGemmAvx2_6x16);
  if (static_cast<int>(cpu.hw_isa) >= static_cast<int>(Isa::kAvx512)) ks.push_back(&kGemmAvx512_14x32);
  return ks;
}

void run_case(const GemmKernel& k, int64_t M, int64_t N, int64_t K, bool ta, bool tb, const Epilogue& ep0,
              int workers) {
  const auto a = random_vec(static_cast<size_t>(M * K), 1);
  const auto b = random_vec(static_cast<size_t>(K * N), 2);
  const auto bias = random_vec(static_cast<size_t>(N), 3);
  const auto res = random_vec(static_cast<size_t>(M * N), 4);
  Epilogue ep = ep0;
  if (ep.bias) ep.bias = bias.data();
  if (ep.residual) {
    ep.residual = res.data();
    ep.ld_residual = N;
  }
  // Reference: C = scale*A*B, then bias, residual, activation.
  std::vector<float> want(static_cast<size_t>(M * N));
  ref::gemm<float>(ref::dense_gemm_shape(M, N, K, ta, tb), ep.scale, a.data(), b.data(), 0.f, want.data());
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float v = want[static_cast<size_t>(i * N + j)];
      if (ep.bias) v += bias[static_cast<size_t>(j)];
      if (ep.residual) v += res[static_cast<size_t>(i * N + j)];
      want[static_cast<size_t>(i * N + j)] = apply_activation(ep.act, v, ep.alpha, ep.beta);
    }
  }
  PackedB pb(b.data(), K, N, tb, k.nr);
  std::vector<float> c(static_cast<size_t>(M * N), NAN);
  for (int w = 0; w < workers; ++w) {
    const GemmRange r = gemm_partition(M, pb.panels(), k.mr, w, workers);
    std::vector<float> scratch(static_cast<size_t>(gemm_scratch_floats(k, r.m_end - r.m_begin)));
    gemm_packed(k, a.data(), ta ? M : K, ta, pb, c.data(), N, r.m_begin, r.m_end, r.p_begin, r.p_end, ep,
                scratch.data());
  }
  int bad = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const float tol = 1e-5f * static_cast<float>(K) + 1e-5f * std::abs(want[i]);
    if (!(std::abs(c[i] - want[i]) <= tol)) {
      if (bad++ < 3) {
        ADD_FAILURE() << k.name << " M" << M << " N" << N << " K" << K << " ta" << ta << " tb" << tb
                      << " act " << activation_name(ep.act) << ": [" << i << "] " << c[i] << " vs " << want[i];
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(DenseGemm, RemainderShapes) {
  for (const GemmKernel* k : available_kernels()) {
    for (int64_t M : {1, 5, 14, 15, 29, 64}) {
      for (int64_t N : {1, 7, 16, 31, 33, 100}) {
        for (int64_t K : {1, 3, 17, 256, 300}) {
          run_case(*k, M, N, K, false, false, Epilogue{}, 1);
        }
      }
    }
  }
}

TEST(DenseGemm, TransposesAndPartitions) {
  for (const GemmKernel* k : available_kernels()) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (int workers : {1, 2, 3}) run_case(*k, 37, 70, 65, ta, tb, Epilogue{}, workers);
      }
    }
    run_case(*k, 128, 768, 768, false, true, Epilogue{}, 2);
    run_case(*k, 500, 40, 300, false, false, Epilogue{}, 2);  // several row blocks and K blocks
    run_case(*k, 1000, 70, 300, false, false, Epilogue{}, 1);  // tall: blocks of kGemmMcPanelsTall panels
    run_case(*k, 1000, 70, 300, true, true, Epilogue{}, 1);
  }
}

TEST(DenseGemm, Epilogues) {
  const float dummy = 0.f;
  for (const GemmKernel* k : available_kernels()) {
    for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6, Activation::kClip,
                           Activation::kSigmoid, Activation::kTanh, Activation::kGeluErf,
                           Activation::kGeluTanh, Activation::kHardSwish, Activation::kLeakyRelu}) {
      Epilogue ep;
      ep.bias = &dummy;
      ep.residual = &dummy;
      ep.act = act;
      ep.alpha = act == Activation::kClip ? -0.5f : 0.1f;
      ep.beta = 0.7f;
      ep.scale = 0.5f;
      run_case(*k, 19, 45, 40, false, false, ep, 2);
    }
  }
}

// Each kernel's run-time packing equals the plain packing routines, bit for bit.
TEST(DenseGemm, PackingMatchesPlain) {
  for (const GemmKernel* k : available_kernels()) {
    for (bool transposed : {false, true}) {
      for (int64_t rows : {1, 13, 14, 15, 33}) {
        for (int64_t kc : {1, 15, 16, 17, 40}) {
          const int64_t lda = 50, m0 = 2, k0 = 3;
          const auto a = random_vec(static_cast<size_t>(60 * lda), 9);
          const int64_t panels = (rows + k->mr - 1) / k->mr;
          std::vector<float> want(static_cast<size_t>(panels * k->mr * kc), NAN), got(want.size() + 16, NAN);
          pack_a(a.data(), lda, transposed, m0, rows, k0, kc, k->mr, want.data());
          k->pack_a(a.data(), lda, transposed, m0, rows, k0, kc, got.data());
          for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(got[i], want[i]) << k->name << " pack_a rows " << rows << " kc " << kc << " t " << transposed << " @" << i;
          }
          EXPECT_TRUE(std::isnan(got[want.size()])) << k->name << " pack_a wrote past its panels";
        }
      }
      for (int64_t K : {1, 15, 16, 17, 64}) {
        for (int64_t N : {1, 31, 32, 33, 70}) {
          const int64_t ldb = 80;
          const auto b = random_vec(static_cast<size_t>(80 * ldb), 10);
          std::vector<float> want(static_cast<size_t>(packed_b_floats(K, N, k->nr)), NAN), got(want.size() + 16, NAN);
          pack_b(b.data(), ldb, K, N, transposed, k->nr, want.data());
          k->pack_b(b.data(), ldb, K, N, transposed, got.data());
          for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(got[i], want[i]) << k->name << " pack_b K " << K << " N " << N << " t " << transposed << " @" << i;
          }
          EXPECT_TRUE(std::isnan(got[want.size()])) << k->name << " pack_b wrote past its panels";
        }
      }
    }
  }
}

TEST(DenseGemm, EmptyK) {
  for (const GemmKernel* k : available_kernels()) {
    const float dummy = 0.f;
    Epilogue ep;
    ep.bias = &dummy;
    run_case(*k, 4, 20, 0, false, false, ep, 1);
  }
}

TEST(DenseGemm, SelectionHonoursIsaCap) {
  const Isa before = cpu_info().isa;
  set_max_isa(Isa::kAvx2);
  EXPECT_NE(select_gemm_kernel(cpu_info()).isa, Isa::kAvx512);
  set_max_isa(Isa::kScalar);
  EXPECT_EQ(select_gemm_kernel(cpu_info()).isa, Isa::kScalar);
  set_max_isa(before);
}

}  // namespace
}  // namespace lacuna::kernels
