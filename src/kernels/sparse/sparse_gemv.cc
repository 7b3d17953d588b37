// SparseGemv driver, and the scalar kernel (the reference for the vector ones).
#include "kernels/sparse/sparse_gemv.h"

#include <algorithm>

namespace lacuna::kernels {

namespace {

// Rows per kernel call: their sums for every token wait in a stack buffer for the epilogue.
constexpr int64_t kRowsPerCall = 64;
// Work items per worker: row ranges of equal non-zeros, a few per worker.
constexpr int64_t kItemsPerThread = 4;

// Four independent sums per token, so consecutive non-zeros do not wait on each other.
template <int T>
__attribute__((optimize("no-tree-vectorize"))) void rows_t(const int64_t* row_ptr, const uint16_t* col,
                                                             const float* val, int64_t r0, int64_t r1, const float* x,
                                                             int64_t ldx, float* out, int64_t ld_out) {
  for (int64_t r = r0; r < r1; ++r) {
    float acc[T][4] = {};
    int64_t e = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    for (; e + 4 <= end; e += 4) {
      const uint16_t c0 = col[e], c1 = col[e + 1], c2 = col[e + 2], c3 = col[e + 3];
      const float v0 = val[e], v1 = val[e + 1], v2 = val[e + 2], v3 = val[e + 3];
      for (int t = 0; t < T; ++t) {
        const float* xt = x + t * ldx;
        acc[t][0] += v0 * xt[c0];
        acc[t][1] += v1 * xt[c1];
        acc[t][2] += v2 * xt[c2];
        acc[t][3] += v3 * xt[c3];
      }
    }
    for (; e < end; ++e) {
      for (int t = 0; t < T; ++t) acc[t][0] += val[e] * x[t * ldx + col[e]];
    }
    for (int t = 0; t < T; ++t) out[t * ld_out + (r - r0)] = (acc[t][0] + acc[t][1]) + (acc[t][2] + acc[t][3]);
  }
}

void rows_scalar(const int64_t* row_ptr, const uint16_t* col, const float* val, int64_t r0, int64_t r1,
                 const float* x, int64_t ldx, int tokens, float* out, int64_t ld_out) {
  with_token_count(tokens, [&](auto t) { rows_t<decltype(t)::value>(row_ptr, col, val, r0, r1, x, ldx, out, ld_out); });
}

}  // namespace

const SparseGemvKernel kSparseGemvScalar = {"sparse_gemv_f32_scalar", Isa::kScalar, rows_scalar};

const SparseGemvKernel& select_sparse_gemv_kernel(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return kSparseGemvAvx512;
  if (cpu.has(Isa::kAvx2)) return kSparseGemvAvx2;
  return kSparseGemvScalar;
}

SparseGemv::SparseGemv(const CpuInfo& cpu, const float* w, int64_t m, int64_t k, bool k_major, int threads)
    : kernel_(select_sparse_gemv_kernel(cpu)), m_(m), k_(k) {
  row_ptr_.reserve(static_cast<size_t>(m + 1));
  row_ptr_.push_back(0);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < k; ++c) {
      const float v = k_major ? w[c * m + r] : w[r * k + c];
      if (v == 0.f) continue;
      col_.push_back(static_cast<uint16_t>(c));
      val_.push_back(v);
    }
    row_ptr_.push_back(static_cast<int64_t>(val_.size()));
  }
  // Row ranges of about equal work (non-zeros plus a little per row for the epilogue).
  const int64_t parts = std::clamp<int64_t>(static_cast<int64_t>(std::max(1, threads)) * kItemsPerThread, 1, m);
  const int64_t total = nnz() + 4 * m;
  bounds_.push_back(0);
  int64_t r = 0;
  for (int64_t p = 1; p < parts; ++p) {
    const int64_t target = total * p / parts;
    while (r < m && row_ptr_[static_cast<size_t>(r + 1)] + 4 * (r + 1) <= target) ++r;
    if (r > bounds_.back()) bounds_.push_back(r);
  }
  bounds_.push_back(m);
}

size_t SparseGemv::weight_bytes() const {
  return row_ptr_.size() * sizeof(int64_t) + col_.size() * sizeof(uint16_t) + val_.size() * sizeof(float);
}

void SparseGemv::run(const float* x, int64_t ldx, int64_t tokens, float* y, int64_t ldy, const float* bias,
                     const float* residual, int64_t ld_residual, const Epilogue& ep, int64_t begin, int64_t end) const {
  float sums[kGemvMaxTokens * kRowsPerCall];
  const int nt = static_cast<int>(std::clamp<int64_t>(tokens, 1, kGemvMaxTokens));
  for (int64_t item = begin; item < end; ++item) {
    const int64_t i0 = bounds_[static_cast<size_t>(item)], i1 = bounds_[static_cast<size_t>(item + 1)];
    for (int64_t r0 = i0; r0 < i1; r0 += kRowsPerCall) {
      const int64_t r1 = std::min(i1, r0 + kRowsPerCall);
      kernel_.rows(row_ptr_.data(), col_.data(), val_.data(), r0, r1, x, ldx, nt, sums, kRowsPerCall);
      // The residual is read just before its element is written, so it may alias Y.
      for (int t = 0; t < nt; ++t) {
        const float* s = sums + t * kRowsPerCall;
        float* yt = y + t * ldy;
        const float* zt = residual ? residual + t * ld_residual : nullptr;
        for (int64_t r = r0; r < r1; ++r) {
          float v = s[r - r0] * ep.scale + (bias ? bias[r] : 0.f);
          if (zt) v += zt[r];
          yt[r] = apply_activation(ep.act, v, ep.alpha, ep.beta);
        }
      }
    }
  }
}

}  // namespace lacuna::kernels
