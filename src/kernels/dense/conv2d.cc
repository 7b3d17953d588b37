// NCHW convolution driver over the GEMM micro-kernels.
#include "core/memory.h"
#include "kernels/dense/conv2d.h"

#include "kernels/dense/conv_layout.h"

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
  if (s_.pointwise()) {
    strategy_ = Strategy::kPointwise;
  } else if (ConvInputLayout::supports(s_)) {
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
    layout_ = std::make_unique<ConvInputLayout>(s_, k_.nr);
  } else {
    for (int64_t g = 0; g < s_.groups; ++g) weights_.emplace_back(weights + g * kg * kdim, kg, kdim, k_.mr);
  }
  // Pixels per work item: several B panels, so that each packed weight panel is reused a few
  // times from L1, while the packed activations (kc x chunk) stay in L2.
  chunk_pixels_ = static_cast<int64_t>(k_.nr) * 4;
}

DenseConv2d::~DenseConv2d() = default;

const char* DenseConv2d::strategy_name() const {
  switch (strategy_) {
    case Strategy::kPointwise: return "pointwise";
    case Strategy::kPadded: return s_.stride_h == 1 ? "padded" : "phase-padded";
    case Strategy::kIm2col: return "im2col";
  }
  return "?";
}

int64_t DenseConv2d::grid_pixels() const {
  return strategy_ == Strategy::kPadded ? layout_->grid_pixels() : s_.pixels();
}

int64_t DenseConv2d::padded_floats() const {
  return strategy_ == Strategy::kPadded ? layout_->padded_floats() : 0;
}

void DenseConv2d::pad_input(const float* x, float* padded, int64_t plane_begin, int64_t plane_end) const {
  if (strategy_ == Strategy::kPadded) layout_->pad_input(x, padded, plane_begin, plane_end);
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
  const int64_t cs = layout_->channel_stride();
  const float* xg = padded + (n * s_.c + g * cg) * cs;
  const PackedA& w = weights_[static_cast<size_t>(g)];
  const int64_t chunk = chunk_pixels_;
  const int64_t npix = s_.pixels();
  for (int64_t rp = panel_begin; rp < panel_end; ++rp) {
    const int64_t row0 = rp * mr;
    const int64_t rows = std::min<int64_t>(mr, s_.kg() - row0);
    for (int64_t v0 = p0; v0 < p1; v0 += nr) {
      k_.ukernel_taps(cg, taps, layout_->tap_offsets().data(), w.panel(rp), xg + v0, cs, scratch + (v0 - p0), chunk,
                      rows, nr, false, nullptr);
    }
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t co = g * s_.kg() + row0 + i;
      layout_->write_output(k_, scratch + i * chunk, p0, p1, y + (n * s_.k + co) * npix, ep.row_bias ? ep.row_bias[co] : 0.f,
                            ep.residual ? ep.residual + (n * s_.k + co) * npix : nullptr, ep);
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
