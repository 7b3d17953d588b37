// AVX2 NCHWc kernels other than the convolution tiles: depthwise and pooling rows, global
// pooling, activation, and the reorders (8x8 in-register transposes); the tier's table.
#include "kernels/avx2/vec8.h"
#include "kernels/dense/blocked_templates.h"

namespace lacuna::kernels {

void conv_tile_avx2(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain);

const BlockedKernels kBlockedAvx2 =
    nchwc::make_blocked_kernels<avx2::Vec8>("nchwc_f32_avx2", Isa::kAvx2, conv_tile_avx2);

}  // namespace lacuna::kernels
