// NCHW convolution driver over the GEMM micro-kernels.
#include "core/memory.h"
#include "kernels/dense/conv2d.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace lacuna::kernels {

PackedA::PackedA(const float* a, int64_t rows, int64_t k, int mr) : rows_(rows), k_(k), mr_(mr) {
  const int64_t np = panels();
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(np * k * mr, 1)) * sizeof(float);
  float* mem = static_cast<float*>(allocate_aligned(bytes));
  data_ = std::shared_ptr<float>(mem, [](float* p) { free_aligned(p); });
  for (int64_t p = 0; p < np; ++p) {
    float* dst = mem + p * k * mr;
    for (int64_t kk = 0; kk < k; ++kk) {
      for (int i = 0; i < mr; ++i) {
        const int64_t row = p * mr + i;
        dst[kk * mr + i] = row < rows ? a[row * k + kk] : 0.f;
      }
    }
  }
}

DenseConv2d::DenseConv2d(const GemmKernel& kernel, const Conv2dShape& shape, const float* weights)
    : k_(kernel), s_(shape) {
  const int64_t kg = s_.kg(), cg = s_.cg(), taps = s_.r * s_.s, kdim = s_.gemm_k();
  const int64_t stride = s_.stride_h;
  if (s_.pointwise()) {
    strategy_ = Strategy::kPointwise;
  } else if (s_.stride_h == s_.stride_w && stride <= 2) {
    strategy_ = Strategy::kPadded;
  } else {
    strategy_ = Strategy::kIm2col;
  }
  if (strategy_ == Strategy::kPadded) {
    // Weights ordered (tap, input channel), the order the taps micro-kernel reads them in.
    std::vector<float> reordered(static_cast<size_t>(kg * kdim));
    for (int64_t g = 0; g < s_.groups; ++g) {
      for (int64_t o = 0; o < kg; ++o) {
        for (int64_t t = 0; t < taps; ++t) {
          for (int64_t c = 0; c < cg; ++c) {
            reordered[static_cast<size_t>(o * kdim + t * cg + c)] = weights[((g * kg + o) * cg + c) * taps + t];
          }
        }
      }
      weights_.emplace_back(reordered.data(), kg, kdim, k_.mr);
    }
    // Padded extents, then the phase planes: padded pixel (y, x) lives in phase
    // (y % stride, x % stride) at (y / stride, x / stride).
    const int64_t hp = std::max(s_.pad_t + s_.h, (s_.oh - 1) * stride + (s_.r - 1) * s_.dil_h + 1);
    const int64_t wp = std::max(s_.pad_l + s_.w, (s_.ow - 1) * stride + (s_.s - 1) * s_.dil_w + 1);
    hq_ = (hp + stride - 1) / stride;
    wq_ = (wp + stride - 1) / stride;
    phase_of_.assign(static_cast<size_t>(stride * stride), -1);
    phases_ = 0;
    for (int64_t r = 0; r < s_.r; ++r) {
      for (int64_t t = 0; t < s_.s; ++t) {
        int64_t& ph = phase_of_[static_cast<size_t>(((r * s_.dil_h) % stride) * stride + (t * s_.dil_w) % stride)];
        if (ph < 0) ph = phases_++;
      }
    }
    // Slack past each plane: the last tile reads up to nr + (s-1)*dil floats beyond it.
    plane_ = (hq_ * wq_ + k_.nr + s_.s * s_.dil_w + 15) / 16 * 16;
    channel_stride_ = phases_ * plane_;
    for (int64_t r = 0; r < s_.r; ++r) {
      for (int64_t t = 0; t < s_.s; ++t) {
        const int64_t dy = r * s_.dil_h, dx = t * s_.dil_w;
        const int64_t ph = phase_of_[static_cast<size_t>((dy % stride) * stride + dx % stride)];
        tap_offsets_.push_back(ph * plane_ + (dy / stride) * wq_ + dx / stride);
      }
    }
  } else {
    for (int64_t g = 0; g < s_.groups; ++g) weights_.emplace_back(weights + g * kg * kdim, kg, kdim, k_.mr);
  }
  // Pixels per work item: several B panels, so that each packed weight panel is reused a few
  // times from L1, while the packed activations (kc x chunk) stay in L2.
  chunk_pixels_ = static_cast<int64_t>(k_.nr) * 4;
}

const char* DenseConv2d::strategy_name() const {
  switch (strategy_) {
    case Strategy::kPointwise: return "pointwise";
    case Strategy::kPadded: return s_.stride_h == 1 ? "padded" : "phase-padded";
    case Strategy::kIm2col: return "im2col";
  }
  return "?";
}

int64_t DenseConv2d::grid_pixels() const {
  return strategy_ == Strategy::kPadded ? s_.oh * wq_ : s_.pixels();
}

int64_t DenseConv2d::padded_floats() const {
  return strategy_ == Strategy::kPadded ? s_.n * s_.c * channel_stride_ : 0;
}

void DenseConv2d::pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
  if (strategy_ != Strategy::kPadded) return;
  const int64_t stride = s_.stride_h;
  for (int64_t pl = plane_begin; pl < plane_end; ++pl) {
    const float* src = x + pl * s_.h * s_.w;
    float* base = padded + pl * channel_stride_;
    std::memset(base, 0, static_cast<size_t>(channel_stride_) * sizeof(float));
    for (int64_t py = 0; py < stride; ++py) {
      for (int64_t px = 0; px < stride; ++px) {
        const int64_t ph = phase_of_[static_cast<size_t>(py * stride + px)];
        if (ph < 0) continue;
        float* dst = base + ph * plane_;
        // Phase plane row i holds padded row i*stride+py, i.e. input row i*stride+py-pad_t.
        for (int64_t i = 0; i < hq_; ++i) {
          const int64_t ih = i * stride + py - s_.pad_t;
          if (ih < 0 || ih >= s_.h) continue;
          const float* row = src + ih * s_.w;
          float* out = dst + i * wq_;
          if (stride == 1) {
            std::memcpy(out + s_.pad_l, row, static_cast<size_t>(s_.w) * sizeof(float));
          } else {
            // Columns j with j*stride+px-pad_l inside the row.
            for (int64_t j = 0; j < wq_; ++j) {
              const int64_t iw = j * stride + px - s_.pad_l;
              if (iw >= 0 && iw < s_.w) out[j] = row[iw];
            }
          }
        }
      }
    }
  }
}

int64_t DenseConv2d::row_splits(int threads) const {
  const int64_t items = s_.n * s_.groups * ((grid_pixels() + chunk_pixels_ - 1) / chunk_pixels_);
  if (items >= threads) return 1;
  const int64_t panels = weights_[0].panels();
  return std::min<int64_t>((threads + items - 1) / items, panels);
}

int64_t DenseConv2d::work_items(int threads) const {
  return s_.n * s_.groups * ((grid_pixels() + chunk_pixels_ - 1) / chunk_pixels_) * row_splits(threads);
}

int64_t DenseConv2d::scratch_floats() const {
  if (strategy_ == Strategy::kPadded) return k_.mr * chunk_pixels_ + 64;
  return kGemmKc * chunk_pixels_ + 64;
}

size_t DenseConv2d::weight_bytes() const {
  size_t b = 0;
  for (const auto& w : weights_) b += w.bytes();
  return b;
}

void DenseConv2d::pack_b(const float* xg, int64_t p0, int64_t count, int64_t k0, int64_t kc, float* dst) const {
  const int nr = k_.nr;
  const int64_t panels = (count + nr - 1) / nr;
  const int64_t rs = s_.r * s_.s;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const int64_t kidx = k0 + kk;
    const int64_t ci = kidx / rs;
    const int64_t r = (kidx % rs) / s_.s;
    const int64_t sc = kidx % s_.s;
    const float* xc = xg + ci * s_.h * s_.w;
    // Walk the chunk's pixels by output-row segments: within a segment the input pixels move
    // by stride_w, so stride-1 segments are contiguous copies.
    int64_t p = p0;
    int64_t j = 0;
    while (j < panels * nr) {
      float* out = dst + (j / nr) * kc * nr + kk * nr + (j % nr);
      if (j >= count) {
        *out = 0.f;
        ++j;
        continue;
      }
      const int64_t oh = p / s_.ow, ow = p % s_.ow;
      const int64_t ih = oh * s_.stride_h - s_.pad_t + r * s_.dil_h;
      // The segment ends at the row end, the chunk end or the panel end.
      const int64_t seg = std::min({s_.ow - ow, count - j, static_cast<int64_t>(nr) - (j % nr)});
      if (ih < 0 || ih >= s_.h) {
        std::memset(out, 0, static_cast<size_t>(seg) * sizeof(float));
      } else {
        const float* row = xc + ih * s_.w;
        const int64_t iw0 = ow * s_.stride_w - s_.pad_l + sc * s_.dil_w;
        if (s_.stride_w == 1 && iw0 >= 0 && iw0 + seg <= s_.w) {
          std::memcpy(out, row + iw0, static_cast<size_t>(seg) * sizeof(float));
        } else {
          for (int64_t t = 0; t < seg; ++t) {
            const int64_t iw = iw0 + t * s_.stride_w;
            out[t] = (iw >= 0 && iw < s_.w) ? row[iw] : 0.f;
          }
        }
      }
      j += seg;
      p += seg;
    }
  }
}

void DenseConv2d::run_padded_item(const float* padded, float* y, const Epilogue& ep, int64_t n, int64_t g,
                                  int64_t p0, int64_t p1, int64_t panel_begin, int64_t panel_end,
                                  float* scratch) const {
  const int nr = k_.nr, mr = k_.mr;
  const int64_t taps = s_.r * s_.s;
  const int64_t cg = s_.cg();
  const float* xg = padded + (n * s_.c + g * cg) * channel_stride_;
  const PackedA& w = weights_[static_cast<size_t>(g)];
  const int64_t chunk = chunk_pixels_;
  const int64_t npix = s_.pixels();
  const int64_t vend = s_.oh * wq_;  // virtual pixels with a real output row
  for (int64_t rp = panel_begin; rp < panel_end; ++rp) {
    const int64_t row0 = rp * mr;
    const int64_t rows = std::min<int64_t>(mr, s_.kg() - row0);
    for (int64_t v0 = p0; v0 < p1; v0 += nr) {
      k_.ukernel_taps(cg, taps, tap_offsets_.data(), w.panel(rp), xg + v0, channel_stride_, scratch + (v0 - p0), chunk,
                      rows, nr, false, nullptr);
    }
    // Keep the real columns of each output row: bias, residual and activation on the way out.
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t co = g * s_.kg() + row0 + i;
      const float bias = ep.row_bias ? ep.row_bias[co] : 0.f;
      float* yc = y + (n * s_.k + co) * npix;
      const float* rc = ep.residual ? ep.residual + (n * s_.k + co) * npix : nullptr;
      for (int64_t v = p0; v < std::min(p1, vend);) {
        const int64_t oh = v / wq_, ow = v % wq_;
        const int64_t row_end = std::min(p1, (oh + 1) * wq_);
        if (ow < s_.ow) {
          const int64_t len = std::min(s_.ow - ow, row_end - v);
          const int64_t out = oh * s_.ow + ow;
          k_.row_epilogue(yc + out, scratch + i * chunk + (v - p0), len, bias, rc ? rc + out : nullptr, ep);
        }
        v = row_end;
      }
    }
  }
}

void DenseConv2d::run_item(const float* x, const float* padded, float* y, const Epilogue& ep, int64_t n,
                           int64_t g, int64_t p0, int64_t p1, int64_t panel_begin, int64_t panel_end,
                           float* scratch) const {
  if (strategy_ == Strategy::kPadded) {
    run_padded_item(padded, y, ep, n, g, p0, p1, panel_begin, panel_end, scratch);
    return;
  }
  const PackedA& w = weights_[static_cast<size_t>(g)];
  const int64_t kdim = w.K();
  const int64_t count = p1 - p0;
  const int nr = k_.nr, mr = k_.mr;
  const int64_t npix = s_.pixels();
  const float* xg = x + (n * s_.c + g * s_.cg()) * s_.h * s_.w;
  float* yg = y + (n * s_.k + g * s_.kg()) * npix;
  const int64_t panels = (count + nr - 1) / nr;
  // 1x1 stride-1 convolutions read full tiles of X in place (rows npix apart); only a ragged
  // last tile needs packing.
  const bool direct = strategy_ == Strategy::kPointwise;
  for (int64_t k0 = 0; k0 < kdim; k0 += kGemmKc) {
    const int64_t kc = std::min<int64_t>(kGemmKc, kdim - k0);
    const bool last = k0 + kc >= kdim;
    const bool pack = !direct || count % nr != 0;
    if (!direct) pack_b(xg, p0, count, k0, kc, scratch);
    else if (pack) pack_b(xg, p0 + (panels - 1) * nr, count - (panels - 1) * nr, k0, kc, scratch);
    for (int64_t rp = panel_begin; rp < panel_end; ++rp) {
      const float* a = w.panel(rp) + k0 * mr;
      const int64_t row0 = rp * mr;
      const int64_t rows = std::min<int64_t>(mr, w.rows() - row0);
      for (int64_t j = 0; j < panels; ++j) {
        const int64_t q0 = p0 + j * nr;
        const int64_t cols = std::min<int64_t>(nr, p1 - q0);
        const float* b;
        int64_t ldb;
        if (direct && cols == nr) {
          b = xg + k0 * npix + q0;
          ldb = npix;
        } else if (direct) {
          b = scratch;
          ldb = nr;
        } else {
          b = scratch + j * kc * nr;
          ldb = nr;
        }
        Epilogue tile;
        const Epilogue* epp = nullptr;
        if (last) {
          tile = ep;
          tile.bias = nullptr;
          tile.row_bias = ep.row_bias ? ep.row_bias + g * s_.kg() + row0 : nullptr;
          tile.residual = ep.residual ? ep.residual + (n * s_.k + g * s_.kg() + row0) * npix + q0 : nullptr;
          tile.ld_residual = npix;
          epp = &tile;
        }
        k_.ukernel(kc, a, b, ldb, yg + row0 * npix + q0, npix, rows, cols, k0 > 0, epp);
      }
    }
  }
}

void DenseConv2d::run(const float* x, const float* padded, float* y, const Epilogue& ep, int64_t begin,
                      int64_t end, int threads, float* scratch) const {
  const int64_t grid = grid_pixels();
  const int64_t chunks = (grid + chunk_pixels_ - 1) / chunk_pixels_;
  const int64_t splits = row_splits(threads);
  const int64_t panels = weights_[0].panels();
  for (int64_t item = begin; item < end; ++item) {
    int64_t rest = item;
    const int64_t split = rest % splits;
    rest /= splits;
    const int64_t chunk = rest % chunks;
    rest /= chunks;
    const int64_t g = rest % s_.groups;
    const int64_t n = rest / s_.groups;
    const int64_t p0 = chunk * chunk_pixels_;
    const int64_t p1 = std::min(grid, p0 + chunk_pixels_);
    run_item(x, padded, y, ep, n, g, p0, p1, panels * split / splits, panels * (split + 1) / splits, scratch);
  }
}

}  // namespace lacuna::kernels
