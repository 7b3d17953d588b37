// ConvInputLayout.
#include "kernels/dense/conv_layout.h"

#include <algorithm>
#include <cstring>

namespace lacuna::kernels {

ConvInputLayout::ConvInputLayout(const Conv2dShape& s, int64_t slack) : s_(s) {
  const int64_t stride = s.stride_h;
  // Padded extents, then the phase planes: padded pixel (y, x) lives in phase
  // (y % stride, x % stride) at (y / stride, x / stride).
  const int64_t hp = std::max(s.pad_t + s.h, (s.oh - 1) * stride + (s.r - 1) * s.dil_h + 1);
  const int64_t wp = std::max(s.pad_l + s.w, (s.ow - 1) * stride + (s.s - 1) * s.dil_w + 1);
  hq_ = (hp + stride - 1) / stride;
  wq_ = (wp + stride - 1) / stride;
  phase_of_.assign(static_cast<size_t>(stride * stride), -1);
  phases_ = 0;
  for (int64_t r = 0; r < s.r; ++r) {
    for (int64_t t = 0; t < s.s; ++t) {
      int64_t& ph = phase_of_[static_cast<size_t>(((r * s.dil_h) % stride) * stride + (t * s.dil_w) % stride)];
      if (ph < 0) ph = phases_++;
    }
  }
  // Slack past each plane for the last tile's reads.
  plane_ = (hq_ * wq_ + slack + s.s * s.dil_w + 15) / 16 * 16;
  channel_stride_ = phases_ * plane_;
  for (int64_t r = 0; r < s.r; ++r) {
    for (int64_t t = 0; t < s.s; ++t) {
      const int64_t dy = r * s.dil_h, dx = t * s.dil_w;
      const int64_t ph = phase_of_[static_cast<size_t>((dy % stride) * stride + dx % stride)];
      tap_offsets_.push_back(ph * plane_ + (dy / stride) * wq_ + dx / stride);
    }
  }
}

void ConvInputLayout::pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
  const int64_t stride = s_.stride_h;
  // Each float of the padded planes is written once: a row's border zeros, its copy of X, and
  // the slack after each phase plane.
  auto zero = [](float* p, int64_t n) {
    if (n >= 16) {
      std::memset(p, 0, static_cast<size_t>(n) * sizeof(float));
    } else {
      for (int64_t k = 0; k < n; ++k) p[k] = 0.f;  // borders are a float or two
    }
  };
  for (int64_t pl = plane_begin; pl < plane_end; ++pl) {
    const float* src = x + pl * s_.h * s_.w;
    float* base = padded + pl * channel_stride_;
    for (int64_t py = 0; py < stride; ++py) {
      for (int64_t px = 0; px < stride; ++px) {
        const int64_t ph = phase_of_[static_cast<size_t>(py * stride + px)];
        if (ph < 0) continue;
        float* dst = base + ph * plane_;
        // Columns [j0, j1) of a phase row come from X: input column j * stride + off.
        const int64_t off = px - s_.pad_l;
        const int64_t j0 = std::min<int64_t>(wq_, std::max<int64_t>(0, (-off + stride - 1) / stride));
        const int64_t j1 = std::max<int64_t>(j0, std::min<int64_t>(wq_, (s_.w - off + stride - 1) / stride));
        // Phase plane row i holds padded row i*stride+py, i.e. input row i*stride+py-pad_t.
        for (int64_t i = 0; i < hq_; ++i) {
          const int64_t ih = i * stride + py - s_.pad_t;
          float* out = dst + i * wq_;
          if (ih < 0 || ih >= s_.h) {
            zero(out, wq_);
            continue;
          }
          const float* row = src + ih * s_.w;
          zero(out, j0);
          if (stride == 1) {
            std::memcpy(out + j0, row + j0 + off, static_cast<size_t>(j1 - j0) * sizeof(float));
          } else {
            // A branch-free strided copy, which the compiler vectorizes with shuffles.
            for (int64_t j = j0; j < j1; ++j) out[j] = row[2 * j + off];
          }
          zero(out + j1, wq_ - j1);
        }
        zero(dst + hq_ * wq_, plane_ - hq_ * wq_);
      }
    }
  }
}

void ConvInputLayout::write_output(const GemmKernel& k, const float* src, int64_t v0, int64_t v1, float* y,
                                   float bias, const float* residual, const Epilogue& ep) const {
  const int64_t vend = std::min(v1, s_.oh * wq_);
  for (int64_t v = v0; v < vend;) {
    const int64_t oh = v / wq_, ow = v % wq_;
    const int64_t row_end = std::min(vend, (oh + 1) * wq_);
    if (ow < s_.ow) {
      const int64_t len = std::min(s_.ow - ow, row_end - v);
      const int64_t out = oh * s_.ow + ow;
      k.row_epilogue(y + out, src + (v - v0), len, bias, residual ? residual + out : nullptr, ep);
    }
    v = row_end;
  }
}

}  // namespace lacuna::kernels
