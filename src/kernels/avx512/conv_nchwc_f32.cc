// AVX-512 NCHWc convolution tiles: up to 28 zmm accumulators (P pixels x OB blocks of 16 output
// channels), one broadcast per pixel and OB weight loads per input channel.
#include "kernels/avx512/vec16.h"
#include "kernels/dense/blocked_templates.h"

namespace lacuna::kernels {

void conv_tile_avx512(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain) {
  nchwc::conv_tile_any<avx512::Vec16>(a, pixels, out_blocks, stride_w, plain);
}

}  // namespace lacuna::kernels
