// The NCHWc micro-kernels written once over a vector type, instantiated by each ISA tier
// (kernels/avx512/, kernels/avx2/ with intrinsics, dense/blocked_scalar.cc with plain arrays).
// Include only from those files. A vector type V provides:
//   T, kBlock (lanes = channels per block), kMaxAcc / kMaxOb / kPlainMaxOb (convolution tile
//   limits; the last for plain NCHW inputs), kDwRun
//   (output pixels per depthwise/pooling run); zero, set1, load, store, load_n/store_n (first n
//   lanes, the rest zero), bcast (one float from memory), fma(a, b, c) = a * b + c, add, mul,
//   max, min, transpose(T r[kBlock]) and activate(v, act, alpha, beta).
// Register tiles are indexed by compile-time constants only (static_for) and the kernels are
// flattened, so that tiles stay in registers whatever the compiler's heuristics. Everything here
// has internal linkage: each tier compiles its own copy with its own ISA flags.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

#include "kernels/dense/blocked_ukernels.h"

namespace lacuna::kernels::nchwc {
namespace {

template <int N, class F>
__attribute__((always_inline)) inline void static_for(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (f(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

// ---- Convolution tile ----------------------------------------------------------------------

// acc[p][ob] += x[p] * w[ob] for one input channel: OB weight vectors, P broadcasts.
template <class V, int P, int OB, int kPix>
__attribute__((always_inline)) inline void conv_step(typename V::T (&acc)[P][OB], const float* x, const float* w) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  T wv[OB];
  static_for<OB>([&](auto ob) { wv[ob] = V::load(w + ob * B); });
  static_for<P>([&](auto p) {
    const T xv = V::bcast(x + p * kPix);
    static_for<OB>([&](auto ob) { acc[p][ob] = V::fma(xv, wv[ob], acc[p][ob]); });
  });
}

template <class V, int P, int OB, int S, bool PL>
__attribute__((flatten)) void conv_tile(const ConvTileArgs& a) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  constexpr int kPix = PL ? S : S * B;
  T acc[P][OB];
  if (a.accumulate) {
    static_for<P>([&](auto p) { static_for<OB>([&](auto ob) { acc[p][ob] = V::load(a.y + ob * a.y_block_stride + p * B); }); });
  } else {
    static_for<P>([&](auto p) { static_for<OB>([&](auto ob) { acc[p][ob] = V::zero(); }); });
  }
  const int64_t per_tap = (PL ? a.channels : B) * OB * B;  // weight floats per tap
  const float* xb = a.x;
  const float* wb = a.w;
  const char* pf = a.pf;
  for (int64_t blk = 0; blk < a.blocks; ++blk) {
    for (int64_t t = 0; t < a.taps; ++t) {
      const float* xp = xb + a.tap_x[t];
      const float* wp = wb + a.tap_w[t] * per_tap;
      if (pf) {
        for (int64_t i = 0; i < a.pf_lines; ++i) __builtin_prefetch(pf + i * 64, 0, 2);
        pf += a.pf_lines * 64;
      }
      if constexpr (PL) {
        for (int64_t c = 0; c < a.channels; ++c) {
          conv_step<V, P, OB, kPix>(acc, xp, wp);
          xp += a.channel_stride;
          wp += OB * B;
        }
      } else {
#pragma GCC unroll 4
        for (int c = 0; c < B; ++c) conv_step<V, P, OB, kPix>(acc, xp + c, wp + c * OB * B);
      }
    }
    xb += a.x_block_stride;
    wb += a.all_taps * per_tap;
  }
  if (a.partial) {
    static_for<OB>([&](auto ob) { static_for<P>([&](auto p) { V::store(a.y + ob * a.y_block_stride + p * B, acc[p][ob]); }); });
    return;
  }
  const T lo = V::set1(a.lo), hi = V::set1(a.hi);
  static_for<OB>([&](auto ob) {
    const T bias = a.bias ? V::load(a.bias + ob * B) : V::zero();
    float* y = a.y + ob * a.y_block_stride;
    const float* res = a.residual ? a.residual + ob * a.y_block_stride : nullptr;
    static_for<P>([&](auto p) {
      T v = V::add(acc[p][ob], bias);
      if (res) v = V::add(v, V::load(res + p * B));
      if (a.clamp) v = V::min(V::max(v, lo), hi);
      V::store(y + p * B, v);
    });
  });
}

template <class V>
struct ConvTileTable {
  using Fn = void (*)(const ConvTileArgs&);
  using Rows = std::array<std::array<Fn, V::kMaxAcc>, V::kMaxOb>;
  template <int P, int OB, int S, bool PL>
  static constexpr Fn pick() {
    if constexpr (P * OB <= V::kMaxAcc) return &conv_tile<V, P, OB, S, PL>;
    else return nullptr;
  }
  template <int OB, int S, bool PL, int... Ps>
  static constexpr std::array<Fn, V::kMaxAcc> row(std::integer_sequence<int, Ps...>) {
    return {pick<Ps + 1, OB, S, PL>()...};
  }
  template <int S, bool PL, int... OBs>
  static constexpr Rows rows(std::integer_sequence<int, OBs...>) {
    return {row<OBs + 1, S, PL>(std::make_integer_sequence<int, V::kMaxAcc>{})...};
  }
  template <int S, bool PL>
  static constexpr Rows make() {
    return rows<S, PL>(std::make_integer_sequence<int, V::kMaxOb>{});
  }
};

// Tiles indexed by [plain][stride_w - 1][out_blocks - 1][pixels - 1].
template <class V>
void conv_tile_any(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain) {
  using Table = ConvTileTable<V>;
  static constexpr typename Table::Rows table[4] = {Table::template make<1, false>(), Table::template make<2, false>(),
                                                    Table::template make<1, true>(), Table::template make<2, true>()};
  table[(plain ? 2 : 0) + (stride_w - 1)][out_blocks - 1][pixels - 1](a);
}

// ---- Depthwise rows ------------------------------------------------------------------------

// Valid kernel rows [r0, r1) for output row oh, and the output columns [lo, hi) whose taps all
// fall inside the input (the rest are borders, computed with per-tap checks).
struct RowWindow {
  int64_t ih0, r0, r1, lo, hi;
  RowWindow(const Conv2dShape& s, int64_t oh) {
    ih0 = oh * s.stride_h - s.pad_t;
    r0 = 0;
    r1 = s.r;
    while (r0 < r1 && ih0 + r0 * s.dil_h < 0) ++r0;
    while (r1 > r0 && ih0 + (r1 - 1) * s.dil_h >= s.h) --r1;
    lo = std::min<int64_t>((s.pad_l + s.stride_w - 1) / s.stride_w, s.ow);
    const int64_t last = s.w - 1 + s.pad_l - (s.s - 1) * s.dil_w;  // ow * stride_w <= last
    hi = last < 0 ? 0 : std::min<int64_t>(last / s.stride_w + 1, s.ow);
    if (hi < lo) hi = lo;
  }
};

template <class V>
__attribute__((always_inline)) inline typename V::T dw_finish(typename V::T v, const DwRowArgs& a, int64_t ow) {
  constexpr int B = V::kBlock;
  if (a.residual) v = V::add(v, V::load(a.residual + ow * B));
  if (a.clamp) v = V::min(V::max(v, V::set1(a.lo)), V::set1(a.hi));
  return v;
}

// Output column ow with every tap checked (borders, and shapes without a fixed kernel).
template <class V, bool kCheck>
void dw_pixel(const DwRowArgs& a, const RowWindow& rw, int64_t ow) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  const Conv2dShape& s = *a.s;
  T acc = a.bias ? V::load(a.bias) : V::zero();
  const int64_t iw0 = ow * s.stride_w - s.pad_l;
  for (int64_t r = rw.r0; r < rw.r1; ++r) {
    const float* xr = a.x + (rw.ih0 + r * s.dil_h) * s.w * B;
    const float* wr = a.w + r * s.s * B;
    for (int64_t t = 0; t < s.s; ++t) {
      const int64_t iw = iw0 + t * s.dil_w;
      if (kCheck && (iw < 0 || iw >= s.w)) continue;
      acc = V::fma(V::load(xr + iw * B), V::load(wr + t * B), acc);
    }
  }
  V::store(a.y + ow * B, dw_finish<V>(acc, a, ow));
}

// P interior output columns from ow: each input vector of a kernel row is loaded once and used
// by every (pixel, tap) that reads it; the row's S weights stay in registers.
template <class V, int S, int SW, int P>
__attribute__((flatten)) void dw_run(const DwRowArgs& a, const RowWindow& rw, int64_t ow) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  constexpr int J = (P - 1) * SW + S;
  const Conv2dShape& s = *a.s;
  T acc[P];
  const T bias = a.bias ? V::load(a.bias) : V::zero();
  static_for<P>([&](auto p) { acc[p] = bias; });
  const float* xr = a.x + ((rw.ih0 + rw.r0 * s.dil_h) * s.w + ow * SW - s.pad_l) * B;
  const float* wr = a.w + rw.r0 * S * B;
  for (int64_t r = rw.r0; r < rw.r1; ++r) {
    T wv[S];
    static_for<S>([&](auto t) { wv[t] = V::load(wr + t * B); });
    static_for<J>([&](auto j) {
      const T xv = V::load(xr + j * B);
      static_for<S>([&](auto t) {
        constexpr int d = decltype(j)::value - decltype(t)::value;
        if constexpr (d >= 0 && d % SW == 0 && d / SW < P) acc[d / SW] = V::fma(xv, wv[t], acc[d / SW]);
      });
    });
    xr += s.dil_h * s.w * B;
    wr += S * B;
  }
  static_for<P>([&](auto p) { V::store(a.y + (ow + p) * B, dw_finish<V>(acc[p], a, ow + p)); });
}

template <class V, int S, int SW>
void dw_interior(const DwRowArgs& a, const RowWindow& rw) {
  constexpr int R = V::kDwRun;
  int64_t ow = rw.lo;
  for (; ow + R <= rw.hi; ow += R) dw_run<V, S, SW, R>(a, rw, ow);
  for (; ow + 4 <= rw.hi; ow += 4) dw_run<V, S, SW, 4>(a, rw, ow);
  for (; ow < rw.hi; ++ow) dw_run<V, S, SW, 1>(a, rw, ow);
}

template <class V>
void dw_row(const DwRowArgs& a) {
  const Conv2dShape& s = *a.s;
  const RowWindow rw(s, a.oh);
  for (int64_t ow = 0; ow < rw.lo; ++ow) dw_pixel<V, true>(a, rw, ow);
  const bool fixed = s.dil_w == 1 && (s.stride_w == 1 || s.stride_w == 2) && (s.s == 3 || s.s == 5);
  if (!fixed) {
    for (int64_t ow = rw.lo; ow < rw.hi; ++ow) dw_pixel<V, false>(a, rw, ow);
  } else if (s.s == 3) {
    s.stride_w == 1 ? dw_interior<V, 3, 1>(a, rw) : dw_interior<V, 3, 2>(a, rw);
  } else {
    s.stride_w == 1 ? dw_interior<V, 5, 1>(a, rw) : dw_interior<V, 5, 2>(a, rw);
  }
  for (int64_t ow = rw.hi; ow < s.ow; ++ow) dw_pixel<V, true>(a, rw, ow);
}

// ---- Pooling rows --------------------------------------------------------------------------

template <class V, bool kMax>
__attribute__((always_inline)) inline typename V::T pool_op(typename V::T acc, typename V::T v) {
  return kMax ? V::max(acc, v) : V::add(acc, v);
}

template <class V, bool kMax>
__attribute__((always_inline)) inline typename V::T pool_finish(typename V::T v, const PoolRowArgs& a, int64_t ow) {
  if constexpr (kMax) return v;
  else return V::mul(v, V::set1(a.inv_count[ow]));
}

template <class V, bool kMax, bool kCheck>
void pool_pixel(const PoolRowArgs& a, const RowWindow& rw, int64_t ow) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  const Conv2dShape& s = *a.s;
  T acc = kMax ? V::set1(-INFINITY) : V::zero();
  const int64_t iw0 = ow * s.stride_w - s.pad_l;
  for (int64_t r = rw.r0; r < rw.r1; ++r) {
    const float* xr = a.x + (rw.ih0 + r * s.dil_h) * s.w * B;
    for (int64_t t = 0; t < s.s; ++t) {
      const int64_t iw = iw0 + t * s.dil_w;
      if (kCheck && (iw < 0 || iw >= s.w)) continue;
      acc = pool_op<V, kMax>(acc, V::load(xr + iw * B));
    }
  }
  V::store(a.y + ow * B, pool_finish<V, kMax>(acc, a, ow));
}

template <class V, bool kMax, int S, int SW, int P>
__attribute__((flatten)) void pool_run(const PoolRowArgs& a, const RowWindow& rw, int64_t ow) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  constexpr int J = (P - 1) * SW + S;
  const Conv2dShape& s = *a.s;
  T acc[P];
  static_for<P>([&](auto p) { acc[p] = kMax ? V::set1(-INFINITY) : V::zero(); });
  const float* xr = a.x + ((rw.ih0 + rw.r0 * s.dil_h) * s.w + ow * SW - s.pad_l) * B;
  for (int64_t r = rw.r0; r < rw.r1; ++r) {
    static_for<J>([&](auto j) {
      const T xv = V::load(xr + j * B);
      static_for<S>([&](auto t) {
        constexpr int d = decltype(j)::value - decltype(t)::value;
        if constexpr (d >= 0 && d % SW == 0 && d / SW < P) acc[d / SW] = pool_op<V, kMax>(acc[d / SW], xv);
      });
    });
    xr += s.dil_h * s.w * B;
  }
  static_for<P>([&](auto p) { V::store(a.y + (ow + p) * B, pool_finish<V, kMax>(acc[p], a, ow + p)); });
}

template <class V, bool kMax, int S, int SW>
void pool_interior(const PoolRowArgs& a, const RowWindow& rw) {
  constexpr int R = V::kDwRun;
  int64_t ow = rw.lo;
  for (; ow + R <= rw.hi; ow += R) pool_run<V, kMax, S, SW, R>(a, rw, ow);
  for (; ow < rw.hi; ++ow) pool_run<V, kMax, S, SW, 1>(a, rw, ow);
}

template <class V, bool kMax>
void pool_row_mode(const PoolRowArgs& a) {
  const Conv2dShape& s = *a.s;
  const RowWindow rw(s, a.oh);
  for (int64_t ow = 0; ow < rw.lo; ++ow) pool_pixel<V, kMax, true>(a, rw, ow);
  const bool fixed = s.dil_w == 1 && (s.stride_w == 1 || s.stride_w == 2) && (s.s == 2 || s.s == 3);
  if (!fixed) {
    for (int64_t ow = rw.lo; ow < rw.hi; ++ow) pool_pixel<V, kMax, false>(a, rw, ow);
  } else if (s.s == 3) {
    s.stride_w == 1 ? pool_interior<V, kMax, 3, 1>(a, rw) : pool_interior<V, kMax, 3, 2>(a, rw);
  } else {
    s.stride_w == 1 ? pool_interior<V, kMax, 2, 1>(a, rw) : pool_interior<V, kMax, 2, 2>(a, rw);
  }
  for (int64_t ow = rw.hi; ow < s.ow; ++ow) pool_pixel<V, kMax, true>(a, rw, ow);
}

template <class V>
void pool_row(const PoolRowArgs& a) {
  a.max ? pool_row_mode<V, true>(a) : pool_row_mode<V, false>(a);
}

template <class V>
void global_pool(bool max, const float* x, float* y, int64_t hw) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  const T init = max ? V::set1(-INFINITY) : V::zero();
  T a0 = init, a1 = init, a2 = init, a3 = init;
  int64_t i = 0;
  if (max) {
    for (; i + 4 <= hw; i += 4) {
      a0 = V::max(a0, V::load(x + i * B));
      a1 = V::max(a1, V::load(x + (i + 1) * B));
      a2 = V::max(a2, V::load(x + (i + 2) * B));
      a3 = V::max(a3, V::load(x + (i + 3) * B));
    }
    for (; i < hw; ++i) a0 = V::max(a0, V::load(x + i * B));
    V::store(y, V::max(V::max(a0, a1), V::max(a2, a3)));
  } else {
    for (; i + 4 <= hw; i += 4) {
      a0 = V::add(a0, V::load(x + i * B));
      a1 = V::add(a1, V::load(x + (i + 1) * B));
      a2 = V::add(a2, V::load(x + (i + 2) * B));
      a3 = V::add(a3, V::load(x + (i + 3) * B));
    }
    for (; i < hw; ++i) a0 = V::add(a0, V::load(x + i * B));
    const T sum = V::add(V::add(a0, a1), V::add(a2, a3));
    V::store(y, V::mul(sum, V::set1(1.f / static_cast<float>(hw))));
  }
}

// ---- Activation and reorders ---------------------------------------------------------------

template <class V>
void activate(float* y, int64_t n, Activation act, float alpha, float beta, int zero_from) {
  constexpr int B = V::kBlock;
  if (act != Activation::kNone) {
    for (int64_t i = 0; i < n; i += B) V::store(y + i, V::activate(V::load(y + i), act, alpha, beta));
  }
  if (zero_from >= 0) {
    for (int64_t i = 0; i < n; i += B) std::fill(y + i + zero_from, y + i + B, 0.f);
  }
}

template <class V>
void to_blocked(const float* x, int64_t ld_plane, int64_t channels, int64_t hw, float* xb) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  T r[B];
  for (int64_t p0 = 0; p0 < hw; p0 += B) {
    const int n = static_cast<int>(std::min<int64_t>(B, hw - p0));
    for (int i = 0; i < B; ++i) {
      if (i >= channels) r[i] = V::zero();
      else r[i] = n == B ? V::load(x + i * ld_plane + p0) : V::load_n(x + i * ld_plane + p0, n);
    }
    V::transpose(r);
    for (int j = 0; j < n; ++j) V::store(xb + (p0 + j) * B, r[j]);
  }
}

template <class V>
void from_blocked(const float* xb, int64_t channels, int64_t hw, float* x, int64_t ld_plane) {
  using T = typename V::T;
  constexpr int B = V::kBlock;
  T r[B];
  for (int64_t p0 = 0; p0 < hw; p0 += B) {
    const int n = static_cast<int>(std::min<int64_t>(B, hw - p0));
    for (int j = 0; j < B; ++j) r[j] = j < n ? V::load(xb + (p0 + j) * B) : V::zero();
    V::transpose(r);
    for (int i = 0; i < channels; ++i) {
      if (n == B) V::store(x + i * ld_plane + p0, r[i]);
      else V::store_n(x + i * ld_plane + p0, r[i], n);
    }
  }
}

// The table of one tier; conv_tile is compiled separately (its instantiations dominate).
template <class V>
constexpr BlockedKernels make_blocked_kernels(const char* name, Isa isa, ConvTileFn conv) {
  return {name,         isa,           V::kBlock,        V::kMaxAcc,          V::kMaxOb,         V::kPlainMaxOb,
          conv,         dw_row<V>,     pool_row<V>,      global_pool<V>,      activate<V>,
          to_blocked<V>, from_blocked<V>};
}

}  // namespace
}  // namespace lacuna::kernels::nchwc
