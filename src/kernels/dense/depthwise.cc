// Depthwise dispatch, the padded plane, and the scalar kernel.
#include "kernels/dense/depthwise.h"

#include <algorithm>
#include <cstring>

namespace lacuna::kernels {

DepthwisePlane::DepthwisePlane(const Conv2dShape& s) {
  hp = std::max(s.pad_t + s.h, (s.oh - 1) * s.stride_h + (s.r - 1) * s.dil_h + 1);
  // Vector loads may run up to 2 x 16 floats past the last output column.
  wp = std::max(s.pad_l + s.w, (s.ow - 1) * s.stride_w + (s.s - 1) * s.dil_w + 1);
  size = hp * wp + 2 * 16 * s.stride_w + 64;
}

void DepthwisePlane::fill(const Conv2dShape& s, const float* src, float* dst) const {
  // Zero only what the copy does not overwrite: the top rows, each row's margins, the rest.
  std::memset(dst, 0, static_cast<size_t>(s.pad_t * wp + s.pad_l) * sizeof(float));
  const int64_t right = wp - s.pad_l - s.w;
  for (int64_t ih = 0; ih < s.h; ++ih) {
    float* row = dst + (s.pad_t + ih) * wp + s.pad_l;
    std::memcpy(row, src + ih * s.w, static_cast<size_t>(s.w) * sizeof(float));
    // The right margin of this row and the left margin of the next are adjacent.
    std::memset(row + s.w, 0, static_cast<size_t>(right + s.pad_l) * sizeof(float));
  }
  const int64_t done = (s.pad_t + s.h) * wp + s.pad_l;
  std::memset(dst + done, 0, static_cast<size_t>(size - done) * sizeof(float));
}

int64_t depthwise_scratch_floats(const Conv2dShape& s) { return DepthwisePlane(s).size + 16; }

void depthwise_scalar(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                      int64_t plane_begin, int64_t plane_end, float* scratch) {
  const DepthwisePlane pp(s);
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const int64_t c = plane % s.c;
    pp.fill(s, x + plane * s.h * s.w, scratch);
    const float* wc = w + c * s.r * s.s;
    const float bias = ep.row_bias ? ep.row_bias[c] : 0.f;
    float* yp = y + plane * s.oh * s.ow;
    const float* res = ep.residual ? ep.residual + plane * s.oh * s.ow : nullptr;
    for (int64_t oh = 0; oh < s.oh; ++oh) {
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        float acc = bias;
        for (int64_t r = 0; r < s.r; ++r) {
          const float* row = scratch + (oh * s.stride_h + r * s.dil_h) * pp.wp + ow * s.stride_w;
          for (int64_t t = 0; t < s.s; ++t) acc += wc[r * s.s + t] * row[t * s.dil_w];
        }
        const int64_t o = oh * s.ow + ow;
        if (res) acc += res[o];
        yp[o] = apply_activation(ep.act, acc, ep.alpha, ep.beta);
      }
    }
  }
}

DepthwiseFn select_depthwise(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return depthwise_avx512;
  if (cpu.has(Isa::kAvx2)) return depthwise_avx2;
  return depthwise_scalar;
}

const char* depthwise_name(const CpuInfo& cpu) {
  if (cpu.has(Isa::kAvx512)) return "depthwise_avx512";
  if (cpu.has(Isa::kAvx2)) return "depthwise_avx2";
  return "depthwise_scalar";
}

}  // namespace lacuna::kernels
