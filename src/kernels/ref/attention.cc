// Reference attention in double accumulation.
#include "kernels/ref/attention.h"

#include <cmath>
#include <vector>

namespace lacuna::kernels::ref {

void attention(const AttentionParams& p, const float* q, const float* k, const float* v, float* out) {
  const int64_t e = p.heads * p.head_dim;
  std::vector<double> s(static_cast<size_t>(p.seq_k));
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t h = 0; h < p.heads; ++h) {
      for (int64_t i = 0; i < p.seq_q; ++i) {
        const float* qi = q + (b * p.seq_q + i) * e + h * p.head_dim;
        double mx = -INFINITY;
        for (int64_t j = 0; j < p.seq_k; ++j) {
          const float* kj = k + (b * p.seq_k + j) * e + h * p.head_dim;
          double dot = 0;
          for (int64_t d = 0; d < p.head_dim; ++d) dot += static_cast<double>(qi[d]) * kj[d];
          dot *= p.scale;
          if (p.mask) dot += p.mask[b * p.mask_stride_b + h * p.mask_stride_h + i * p.mask_stride_q + j];
          s[static_cast<size_t>(j)] = dot;
          mx = std::max(mx, dot);
        }
        double sum = 0;
        for (auto& x : s) sum += (x = std::exp(x - mx));
        float* oi = out + (b * p.seq_q + i) * e + h * p.head_dim;
        for (int64_t d = 0; d < p.head_dim; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < p.seq_k; ++j) acc += s[static_cast<size_t>(j)] * v[(b * p.seq_k + j) * e + h * p.head_dim + d];
          oi[d] = static_cast<float>(acc / sum);
        }
      }
    }
  }
}

}  // namespace lacuna::kernels::ref
