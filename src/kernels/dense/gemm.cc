// GEMM driver: packing, K blocking, and the scalar fallback micro-kernel.
#include "core/memory.h"
#include "kernels/dense/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/dense/gemm_ukernels.h"

namespace lacuna::kernels {

namespace {

void scalar_ukernel_taps(int64_t k, int64_t taps, const int64_t* offsets, const float* a, const float* b,
                         int64_t ldb, float* c, int64_t ldc, int64_t m, int64_t n, bool accumulate,
                         const Epilogue* ep) {
  constexpr int kMr = 4, kNr = 16;
  float acc[kMr][kNr] = {};
  for (int64_t t = 0; t < taps; ++t) {
    const float* bt = b + offsets[t];
    for (int64_t p = 0; p < k; ++p) {
      for (int i = 0; i < kMr; ++i) {
        const float av = a[p * kMr + i];
        for (int j = 0; j < kNr; ++j) acc[i][j] += av * bt[p * ldb + j];
      }
    }
    a += k * kMr;
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float v = acc[i][j];
      if (accumulate) v += c[i * ldc + j];
      if (ep) {
        v *= ep->scale;
        if (ep->bias) v += ep->bias[j];
        if (ep->row_bias) v += ep->row_bias[i];
        if (ep->residual) v += ep->residual[i * ep->ld_residual + j];
        v = apply_activation(ep->act, v, ep->alpha, ep->beta);
      }
      c[i * ldc + j] = v;
    }
  }
}

void scalar_row_epilogue(float* dst, const float* src, int64_t n, float bias, const float* residual,
                         const Epilogue& ep) {
  for (int64_t i = 0; i < n; ++i) {
    float v = src[i] * ep.scale + bias;
    if (residual) v += residual[i];
    dst[i] = apply_activation(ep.act, v, ep.alpha, ep.beta);
  }
}

void scalar_ukernel(int64_t k, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m,
                    int64_t n, bool accumulate, const Epilogue* ep) {
  const int64_t zero = 0;
  scalar_ukernel_taps(k, 1, &zero, a, b, ldb, c, ldc, m, n, accumulate, ep);
}

void scalar_pack_a(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0, int64_t kc,
                   float* dst) {
  pack_a(a, lda, transposed, m0, rows, k0, kc, 4, dst);
}

void scalar_pack_b(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, float* dst) {
  pack_b(b, ldb, K, N, transposed, 16, dst);
}

const GemmKernel kScalar = {"gemm_f32_4x16_scalar", Isa::kScalar, 4, 16, scalar_ukernel, scalar_row_epilogue,
                            scalar_ukernel_taps, scalar_pack_a, scalar_pack_b};

}  // namespace

const GemmKernel& scalar_gemm_kernel() { return kScalar; }

const GemmKernel& select_gemm_kernel(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kGemmAvx512_14x32;
  if (cpu.has(Isa::kAvx2)) return kGemmAvx2_6x16;
  return kScalar;
}

int64_t packed_b_floats(int64_t K, int64_t N, int nr) { return ((N + nr - 1) / nr) * K * nr; }

void pack_b(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, int nr, float* dst) {
  const int64_t np = (N + nr - 1) / nr;
  for (int64_t p = 0; p < np; ++p) {
    float* d = dst + p * K * nr;
    const int64_t n0 = p * nr;
    const int64_t w = std::min<int64_t>(nr, N - n0);
    if (!transposed) {
      for (int64_t kk = 0; kk < K; ++kk) {
        const float* src = b + kk * ldb + n0;
        float* row = d + kk * nr;
        for (int64_t j = 0; j < w; ++j) row[j] = src[j];
        for (int64_t j = w; j < nr; ++j) row[j] = 0.f;
      }
    } else {
      for (int64_t j = 0; j < nr; ++j) {
        if (j < w) {
          const float* src = b + (n0 + j) * ldb;
          for (int64_t kk = 0; kk < K; ++kk) d[kk * nr + j] = src[kk];
        } else {
          for (int64_t kk = 0; kk < K; ++kk) d[kk * nr + j] = 0.f;
        }
      }
    }
  }
}

PackedB::PackedB(const float* b, int64_t K, int64_t N, bool transposed, int nr) : k_(K), n_(N), nr_(nr) {
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(packed_b_floats(K, N, nr), 1)) * sizeof(float);
  float* mem = static_cast<float*>(allocate_aligned(bytes));
  data_ = std::shared_ptr<float>(mem, [](float* p) { free_aligned(p); });
  pack_b(b, transposed ? K : N, K, N, transposed, nr, mem);
}

PackedB PackedB::view(const float* packed, int64_t K, int64_t N, int nr) {
  PackedB p;
  p.k_ = K;
  p.n_ = N;
  p.nr_ = nr;
  // The aliasing constructor with an empty owner: no control block, so views made per run
  // (attention, batched MatMul) do not allocate.
  p.data_ = std::shared_ptr<float>(std::shared_ptr<float>(), const_cast<float*>(packed));
  return p;
}

int64_t gemm_scratch_floats(const GemmKernel& k, int64_t m_rows) {
  const int64_t blocks = std::min<int64_t>((m_rows + k.mr - 1) / k.mr, kGemmMcPanels);
  return blocks * k.mr * kGemmKc + 16;
}

void pack_a(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0, int64_t kc, int mr,
            float* dst) {
  for (int64_t r0 = 0; r0 < rows; r0 += mr) {
    const int64_t h = std::min<int64_t>(mr, rows - r0);
    float* d = dst + (r0 / mr) * mr * kc;
    if (!transposed) {
      for (int64_t i = 0; i < h; ++i) {
        const float* src = a + (m0 + r0 + i) * lda + k0;
        for (int64_t p = 0; p < kc; ++p) d[p * mr + i] = src[p];
      }
    } else {  // A^T given: element (m, k) at a[k * lda + m]
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (k0 + p) * lda + m0 + r0;
        for (int64_t i = 0; i < h; ++i) d[p * mr + i] = src[i];
      }
    }
    for (int64_t i = h; i < mr; ++i) {
      for (int64_t p = 0; p < kc; ++p) d[p * mr + i] = 0.f;
    }
  }
}

void gemm_packed(const GemmKernel& k, const float* a, int64_t lda, bool a_transposed, const PackedB& b,
                 float* c, int64_t ldc, int64_t m_begin, int64_t m_end, int64_t p_begin, int64_t p_end,
                 const Epilogue& ep, float* scratch) {
  const int64_t K = b.K();
  const int64_t N = b.N();
  const int64_t rows = m_end - m_begin;
  if (rows <= 0 || p_end <= p_begin) return;
  const int nr = b.nr();
  const int mr = k.mr;
  if (K == 0) {  // C = epilogue(0)
    for (int64_t i = m_begin; i < m_end; ++i) {
      for (int64_t j = p_begin * nr; j < std::min<int64_t>(p_end * nr, N); ++j) {
        float v = 0.f;
        if (ep.bias) v += ep.bias[j];
        if (ep.residual) v += ep.residual[i * ep.ld_residual + j];
        c[i * ldc + j] = apply_activation(ep.act, v, ep.alpha, ep.beta);
      }
    }
    return;
  }
  // Rows in blocks of kGemmMcPanels micro-panels (kGemmMcPanelsTall for tall A), so the packed A
  // block stays in L2 (mostly L1) while the B panels stream past it.
  const int64_t mc =
      static_cast<int64_t>(mr) * (rows > 2 * mr * kGemmMcPanels ? kGemmMcPanelsTall : kGemmMcPanels);
  for (int64_t mb = m_begin; mb < m_end; mb += mc) {
    const int64_t mrows = std::min(mc, m_end - mb);
    for (int64_t k0 = 0; k0 < K; k0 += kGemmKc) {
      const int64_t kc = std::min<int64_t>(kGemmKc, K - k0);
      const bool last = k0 + kc >= K;
      k.pack_a(a, lda, a_transposed, mb, mrows, k0, kc, scratch);
      for (int64_t p = p_begin; p < p_end; ++p) {
        const float* bp = b.panel(p) + k0 * nr;
        const int64_t n0 = p * nr;
        const int64_t w = std::min<int64_t>(nr, N - n0);
        for (int64_t r0 = 0; r0 < mrows; r0 += mr) {
          const int64_t h = std::min<int64_t>(mr, mrows - r0);
          const int64_t m0 = mb + r0;
          Epilogue tile_ep;
          const Epilogue* epp = nullptr;
          if (last) {
            tile_ep = ep;
            if (ep.bias) tile_ep.bias = ep.bias + n0;
            if (ep.row_bias) tile_ep.row_bias = ep.row_bias + m0;
            if (ep.residual) tile_ep.residual = ep.residual + m0 * ep.ld_residual + n0;
            epp = &tile_ep;
          }
          k.ukernel(kc, scratch + (r0 / mr) * mr * kc, bp, nr, c + m0 * ldc + n0, ldc, h, w, k0 > 0, epp);
        }
      }
    }
  }
}

GemmRange gemm_partition(int64_t M, int64_t panels, int mr, int worker, int workers) {
  if (workers <= 1) return {0, M, 0, panels};
  // Prefer splitting columns (each worker streams its own share of the weights), unless there
  // are too few panels to share out evenly.
  if (panels >= 4 * workers || M < 2 * mr * workers) {
    const int64_t p0 = panels * worker / workers;
    const int64_t p1 = panels * (worker + 1) / workers;
    return {0, M, p0, p1};
  }
  const int64_t blocks = (M + mr - 1) / mr;
  const int64_t b0 = blocks * worker / workers;
  const int64_t b1 = blocks * (worker + 1) / workers;
  return {std::min(M, b0 * mr), std::min(M, b1 * mr), 0, panels};
}

}  // namespace lacuna::kernels
