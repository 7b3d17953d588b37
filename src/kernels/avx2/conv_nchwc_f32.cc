// AVX2 NCHWc convolution tiles: up to 12 ymm accumulators (P pixels x OB blocks of 8 output
// channels), one broadcast per pixel and OB weight loads per input channel.
#include "kernels/avx2/vec8.h"
#include "kernels/dense/blocked_templates.h"

namespace lacuna::kernels {

void conv_tile_avx2(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain) {
  nchwc::conv_tile_any<avx2::Vec8>(a, pixels, out_blocks, stride_w, plain);
}

}  // namespace lacuna::kernels
