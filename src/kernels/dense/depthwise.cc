// Depthwise dispatch, the padded plane, and the scalar kernel.
#include "kernels/dense/depthwise.h"

#include <algorithm>
#include <cstring>

namespace lacuna::kernels {

int64_t depthwise_scratch_floats(const Conv2dShape& s) { return PaddedPlane(s).size + 16; }

void depthwise_scalar(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                      int64_t plane_begin, int64_t plane_end, float* scratch) {
  const PaddedPlane pp(s);
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const int64_t c = plane % s.c;
    pp.fill(s, x + plane * s.h * s.w, scratch, 0.f);
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
