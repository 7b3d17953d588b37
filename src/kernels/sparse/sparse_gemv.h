// Sparse weight matrix times a few activation rows: batch-1 classifiers and MLP heads, where
// a linear layer multiplies each weight once (or a handful of times) and so runs at the speed
// weights stream from memory. The 16-column JIT tiles would waste 15 of 16 lanes there and
// stream 11 bytes of code and values per non-zero; this format streams 6 (a float value and a
// 16-bit column index), so a 90 %-pruned matrix moves a sixth of the dense bytes.
//
//   Y[t][r] = act(scale * sum_k W[r][k] X[t][k] + bias[r] + Z[t][r])   for t < tokens <= kGemvMaxTokens
//
// Rows are stored CSR-like; the vector kernels gather X at 16 (AVX-512) or 8 (AVX2) column
// indices per step and feed every token from one pass over a row's values. Work splits into
// row ranges of about equal non-zero counts.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/epilogue.h"

namespace lacuna::kernels {

constexpr int kGemvMaxTokens = 4;
constexpr int64_t kGemvMaxK = 65536;  // column indices are 16-bit

struct SparseGemvKernel {
  const char* name;
  Isa isa;
  // out[t * ld_out + (r - r0)] = sum over e in [row_ptr[r], row_ptr[r + 1]) of val[e] * x[t * ldx + col[e]]
  // for rows r in [r0, r1) and tokens t < tokens (1 .. kGemvMaxTokens).
  void (*rows)(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1, const float* x,
               int64_t ldx, int tokens, float* out, int64_t ld_out);
};

// Calls fn(std::integral_constant<int, T>{}) for T = tokens (clamped to 1 .. kGemvMaxTokens), so
// that kernels keep one accumulator set per token in registers.
template <typename Fn>
void with_token_count(int tokens, Fn&& fn) {
  static_assert(kGemvMaxTokens == 4, "one case per token count");
  switch (tokens) {
    case 1: return fn(std::integral_constant<int, 1>{});
    case 2: return fn(std::integral_constant<int, 2>{});
    case 3: return fn(std::integral_constant<int, 3>{});
    default: return fn(std::integral_constant<int, 4>{});
  }
}

const SparseGemvKernel& select_sparse_gemv_kernel(const CpuInfo& cpu);
extern const SparseGemvKernel kSparseGemvScalar;
extern const SparseGemvKernel kSparseGemvAvx2;
extern const SparseGemvKernel kSparseGemvAvx512;

class SparseGemv {
 public:
  static bool supports(int64_t k, int64_t tokens) { return k >= 1 && k <= kGemvMaxK && tokens >= 1 && tokens <= kGemvMaxTokens; }
  // W given as [M x K] (or as [K x M] when `k_major`, i.e. MatMul's B). Work is planned for
  // `threads` workers.
  SparseGemv(const CpuInfo& cpu, const float* w, int64_t m, int64_t k, bool k_major, int threads);

  const char* kernel_name() const { return kernel_.name; }
  int64_t nnz() const { return static_cast<int64_t>(val_.size()); }
  int64_t m() const { return m_; }
  size_t weight_bytes() const;

  // Row ranges [begin, end) of work_items(). X rows ldx apart (tokens of them); Y rows ldy apart;
  // the residual (if any) rows ld_residual apart -- it may alias Y.
  int64_t work_items() const { return static_cast<int64_t>(bounds_.size()) - 1; }
  void run(const float* x, int64_t ldx, int64_t tokens, float* y, int64_t ldy, const float* bias,
           const float* residual, int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end) const;

 private:
  const SparseGemvKernel& kernel_;
  int64_t m_ = 0, k_ = 0;
  std::vector<int64_t> row_ptr_;
  std::vector<uint16_t> col_;
  std::vector<float> val_;
  std::vector<int64_t> bounds_;  // row bounds of the work items
};

}  // namespace lacuna::kernels
