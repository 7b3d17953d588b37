// The depthwise loop nest compiled for AVX2.
#include "kernels/dense/depthwise_body.h"

namespace lacuna::kernels {

void depthwise_avx2(const Conv2dShape& s, const float* x, const float* w, float* y, const Epilogue& ep,
                    int64_t b, int64_t e, float* scratch) {
  depthwise_detail::depthwise(s, x, w, y, ep, b, e, scratch);
}

}  // namespace lacuna::kernels
