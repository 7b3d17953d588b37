// Depthwise dispatch and the scalar build of the loop nest.
#include "kernels/dense/depthwise.h"

#include "kernels/dense/depthwise_body.h"

namespace lacuna::kernels {

int64_t depthwise_scratch_floats(const Conv2dShape& s) {
  const int64_t padded_w = (s.ow - 1) * s.stride_w + (s.s - 1) * s.dil_w + 1;
  return ((s.ow + 15) / 16) * 16 + padded_w + 16;
}

void depthwise_scalar(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                      int64_t b, int64_t e, float* scratch) {
  depthwise_detail::depthwise(s, x, w, y, ep, b, e, scratch);
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
