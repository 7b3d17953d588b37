// PaddedPlane.
#include "kernels/dense/padded_plane.h"

#include <algorithm>
#include <cstring>

namespace lacuna::kernels {

PaddedPlane::PaddedPlane(const Conv2dShape& s) {
  hp = std::max(s.pad_t + s.h, (s.oh - 1) * s.stride_h + (s.r - 1) * s.dil_h + 1);
  wp = std::max(s.pad_l + s.w, (s.ow - 1) * s.stride_w + (s.s - 1) * s.dil_w + 1);
  size = hp * wp + 2 * 16 * s.stride_w + 64;
}

void PaddedPlane::fill(const Conv2dShape& s, const float* src, float* dst, float pad) const {
  auto set = [pad](float* p, int64_t n) {
    if (pad == 0.f) std::memset(p, 0, static_cast<size_t>(n) * sizeof(float));
    else std::fill(p, p + n, pad);
  };
  // Only what the copy does not overwrite: the top rows, each row's margins, the rest.
  set(dst, s.pad_t * wp + s.pad_l);
  const int64_t right = wp - s.pad_l - s.w;
  for (int64_t ih = 0; ih < s.h; ++ih) {
    float* row = dst + (s.pad_t + ih) * wp + s.pad_l;
    std::memcpy(row, src + ih * s.w, static_cast<size_t>(s.w) * sizeof(float));
    set(row + s.w, right + s.pad_l);  // this row's right margin and the next row's left one
  }
  const int64_t done = (s.pad_t + s.h) * wp + s.pad_l;
  set(dst + done, size - done);
}

}  // namespace lacuna::kernels
