// AVX-512 NCHWc kernels other than the convolution tiles: depthwise and pooling rows, global
// pooling, activation, and the reorders (16x16 in-register transposes); the tier's table.
#include "kernels/avx512/vec16.h"
#include "kernels/dense/blocked_templates.h"

namespace lacuna::kernels {

void conv_tile_avx512(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain);

const BlockedKernels kBlockedAvx512 =
    nchwc::make_blocked_kernels<avx512::Vec16>("nchwc_f32_avx512", Isa::kAvx512, conv_tile_avx512);

}  // namespace lacuna::kernels
