// Dense single-precision GEMM: C = epilogue(scale * A * B), with B packed once into column
// panels (weights are packed at compile time) and A packed per call into row panels. The
// micro-kernel is chosen by ISA (AVX-512 14x32, AVX2 6x16, scalar 4x16).
#pragma once

#include <cstdint>
#include <memory>

#include "core/cpu.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

// C[m x n] (+)= A_panel[k][mr] * B[k][0..nr) (rows of B `ldb` floats apart), then (on the last
// K block) the epilogue. `ep` offsets are for this tile; m <= mr and n <= nr. B rows are read in
// full (nr floats) whatever n is, so partial tiles must come from a padded (packed) B.
using GemmUkernel = void (*)(int64_t k, const float* a, const float* b, int64_t ldb, float* c,
                             int64_t ldc, int64_t m, int64_t n, bool accumulate, const Epilogue* ep);

// dst[i] = act(src[i] * scale + bias + (residual ? residual[i] : 0)) for i < n.
using RowEpilogueFn = void (*)(float* dst, const float* src, int64_t n, float bias, const float* residual,
                               const Epilogue& ep);

// The same product over several "taps": K = taps * k, where for tap t the B rows start at
// b + tap_offsets[t] (rows still ldb apart) and A holds the taps one after another. Used by the
// convolution, whose taps read shifted windows of the same padded input planes.
using GemmTapsUkernel = void (*)(int64_t k, int64_t taps, const int64_t* tap_offsets, const float* a,
                                 const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m, int64_t n,
                                 bool accumulate, const Epilogue* ep);

// Packs rows [m0, m0 + rows) x columns [k0, k0 + kc) of A (row-major, rows lda apart; or A^T
// given when `transposed`) into row panels of mr, k-major, zero-padded past the last row.
using PackAFn = void (*)(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0,
                         int64_t kc, float* dst);
// Packs B (K x N row-major, rows ldb apart; or N x K when `transposed`) into panels of nr columns,
// k-major, zero-padded past N: packed_b_floats(K, N, nr) floats.
using PackBFn = void (*)(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, float* dst);

struct GemmKernel {
  const char* name;
  Isa isa;
  int mr;
  int nr;
  GemmUkernel ukernel;
  RowEpilogueFn row_epilogue;
  GemmTapsUkernel ukernel_taps;
  PackAFn pack_a;  // run-time packing of activations, vectorized per ISA
  PackBFn pack_b;
};

// The best micro-kernel the CPU (after the LACUNA_MAX_ISA cap) supports.
const GemmKernel& select_gemm_kernel(const CpuInfo& cpu);
const GemmKernel& scalar_gemm_kernel();

// B packed for one micro-kernel: panels of nr columns, each k-major and zero-padded past N.
// Packs B (K x N row-major with row stride ldb, or its transpose N x K when `transposed`) into
// `dst`, which holds packed_b_floats(K, N, nr) floats.
int64_t packed_b_floats(int64_t K, int64_t N, int nr);
void pack_b(const float* b, int64_t ldb, int64_t K, int64_t N, bool transposed, int nr, float* dst);
// The plain packing routines (the reference for the ISA ones).
void pack_a(const float* a, int64_t lda, bool transposed, int64_t m0, int64_t rows, int64_t k0, int64_t kc, int mr,
            float* dst);

class PackedB {
 public:
  PackedB() = default;
  // `b` is K x N row-major, or N x K row-major when `transposed` (i.e. B^T is given).
  PackedB(const float* b, int64_t K, int64_t N, bool transposed, int nr);
  // A view of B already packed by pack_b() (not owned).
  static PackedB view(const float* packed, int64_t K, int64_t N, int nr);
  int64_t K() const { return k_; }
  int64_t N() const { return n_; }
  int nr() const { return nr_; }
  int64_t panels() const { return (n_ + nr_ - 1) / nr_; }
  const float* panel(int64_t p) const { return data_.get() + p * k_ * nr_; }
  size_t bytes() const { return static_cast<size_t>(panels() * k_ * nr_) * sizeof(float); }

 private:
  int64_t k_ = 0, n_ = 0;
  int nr_ = 0;
  std::shared_ptr<float> data_;
};

// K-block size and rows per A block used for A packing (scratch per call: gemm_scratch_floats).
constexpr int64_t kGemmKc = 256;
constexpr int64_t kGemmMcPanels = 16;
// Micro-panels per A block when the rows span several blocks anyway: a block of 4 (56 rows with
// AVX-512, 57 KB) mostly stays in L1 while B streams past it, 9-10% faster on 2048-row products
// (bert-base at batch 16) than blocks of 16; fewer rows keep one block so B streams once.
constexpr int64_t kGemmMcPanelsTall = 4;
int64_t gemm_scratch_floats(const GemmKernel& k, int64_t m_rows);

// C[m_begin:m_end, panel n columns of panels [p_begin, p_end)] for a row-major A (lda) and
// C (ldc). `scratch` holds gemm_scratch_floats(k, m_end - m_begin) floats. The epilogue's bias is
// indexed by column and its residual like C (ld_residual).
void gemm_packed(const GemmKernel& k, const float* a, int64_t lda, bool a_transposed,
                 const PackedB& b, float* c, int64_t ldc, int64_t m_begin, int64_t m_end,
                 int64_t p_begin, int64_t p_end, const Epilogue& ep, float* scratch);

// Splits an M x panels grid over `threads` workers; returns per-worker [m0, m1) x [p0, p1).
struct GemmRange {
  int64_t m_begin, m_end, p_begin, p_end;
};
GemmRange gemm_partition(int64_t M, int64_t panels, int mr, int worker, int workers);

}  // namespace lacuna::kernels
