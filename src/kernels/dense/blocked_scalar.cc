// The scalar NCHWc tier: the templates of blocked_templates.h over an 8-lane array type (blocks
// of 8 channels, like AVX2), compiled without ISA flags.
#include <algorithm>

#include "kernels/dense/blocked_templates.h"

namespace lacuna::kernels {

namespace {

struct VecScalar8 {
  struct T {
    float v[8];
  };
  static constexpr int kBlock = 8;
  static constexpr int kMaxAcc = 8;
  static constexpr int kMaxOb = 2;
  static constexpr int kPlainMaxOb = 2;
  static constexpr int kDwRun = 4;
  template <class F>
  static T map(F f) {
    T r;
    for (int i = 0; i < 8; ++i) r.v[i] = f(i);
    return r;
  }
  static T zero() { return set1(0.f); }
  static T set1(float x) { return map([&](int) { return x; }); }
  static T load(const float* p) { return map([&](int i) { return p[i]; }); }
  static void store(float* p, T a) { std::copy(a.v, a.v + 8, p); }
  static T load_n(const float* p, int n) { return map([&](int i) { return i < n ? p[i] : 0.f; }); }
  static void store_n(float* p, T a, int n) { std::copy(a.v, a.v + n, p); }
  static T bcast(const float* p) { return set1(*p); }
  static T fma(T a, T b, T c) { return map([&](int i) { return a.v[i] * b.v[i] + c.v[i]; }); }
  static T add(T a, T b) { return map([&](int i) { return a.v[i] + b.v[i]; }); }
  static T mul(T a, T b) { return map([&](int i) { return a.v[i] * b.v[i]; }); }
  static T max(T a, T b) { return map([&](int i) { return std::max(a.v[i], b.v[i]); }); }
  static T min(T a, T b) { return map([&](int i) { return std::min(a.v[i], b.v[i]); }); }
  static void transpose(T r[8]) {
    for (int i = 0; i < 8; ++i) {
      for (int j = i + 1; j < 8; ++j) std::swap(r[i].v[j], r[j].v[i]);
    }
  }
  static T activate(T a, Activation act, float alpha, float beta) {
    return map([&](int i) { return apply_activation(act, a.v[i], alpha, beta); });
  }
};

void conv_tile_scalar(const ConvTileArgs& a, int pixels, int out_blocks, int stride_w, bool plain) {
  nchwc::conv_tile_any<VecScalar8>(a, pixels, out_blocks, stride_w, plain);
}

}  // namespace

const BlockedKernels kBlockedScalar =
    nchwc::make_blocked_kernels<VecScalar8>("nchwc_f32_scalar", Isa::kScalar, conv_tile_scalar);

}  // namespace lacuna::kernels
