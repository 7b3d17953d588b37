// Scalar pooling and the per-ISA choice.
#include "kernels/dense/pool2d.h"

#include <algorithm>
#include <cmath>

#include "kernels/dense/padded_plane.h"

namespace lacuna::kernels {

int64_t pool2d_scratch_floats(const Conv2dShape& s) { return PaddedPlane(s).size + 16; }

void pool2d_inv_count(const Conv2dShape& s, int64_t pad_b, int64_t pad_r, bool count_include_pad, float* inv_count) {
  auto count = [&](int64_t o, int64_t stride, int64_t pad0, int64_t k, int64_t dil, int64_t size, int64_t pad1) {
    const int64_t lo = count_include_pad ? -pad0 : 0, hi = count_include_pad ? size + pad1 : size;
    int64_t c = 0;
    for (int64_t t = 0; t < k; ++t) {
      const int64_t i = o * stride - pad0 + t * dil;
      c += i >= lo && i < hi;
    }
    return c;
  };
  for (int64_t oh = 0; oh < s.oh; ++oh) {
    const int64_t ch = count(oh, s.stride_h, s.pad_t, s.r, s.dil_h, s.h, pad_b);
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      const int64_t c = ch * count(ow, s.stride_w, s.pad_l, s.s, s.dil_w, s.w, pad_r);
      inv_count[oh * s.ow + ow] = c ? 1.f / static_cast<float>(c) : 0.f;
    }
  }
}

void pool2d_scalar(const Conv2dShape& s, PoolMode mode, const float* x, float* y, const float* inv_count,
                   int64_t plane_begin, int64_t plane_end, float* scratch) {
  const PaddedPlane pp(s);
  const bool max = mode == PoolMode::kMax;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    pp.fill(s, x + plane * s.h * s.w, scratch, max ? -INFINITY : 0.f);
    float* yp = y + plane * s.oh * s.ow;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        float acc = max ? -INFINITY : 0.f;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = scratch + (oh * s.stride_h + r * s.dil_h) * pp.wp + ow * s.stride_w;
          for (int64_t t = 0; t < s.s; ++t) acc = max ? std::max(acc, row[t * s.dil_w]) : acc + row[t * s.dil_w];
        }
        yp[oh * s.ow + ow] = max ? acc : acc * inv_count[oh * s.ow + ow];
      }
    }
  }
}

void global_pool_scalar(PoolMode mode, const float* x, float* y, int64_t size, int64_t b, int64_t e) {
  for (int64_t p = b; p < e; ++p) {
    const float* xp = x + p * size;
    if (mode == PoolMode::kMax) {
      float m = -INFINITY;
      for (int64_t i = 0; i < size; ++i) m = std::max(m, xp[i]);
      y[p] = m;
    } else {
      double sum = 0;
      for (int64_t i = 0; i < size; ++i) sum += xp[i];
      y[p] = static_cast<float>(sum / static_cast<double>(size));
    }
  }
}

Pool2dFn select_pool2d(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return pool2d_avx512;
  if (cpu.has(Isa::kAvx2)) return pool2d_avx2;
  return pool2d_scalar;
}

GlobalPoolFn select_global_pool(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return global_pool_avx512;
  if (cpu.has(Isa::kAvx2)) return global_pool_avx2;
  return global_pool_scalar;
}

}  // namespace lacuna::kernels
