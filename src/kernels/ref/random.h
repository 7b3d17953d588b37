// The random source of the generator ops: MT19937 with numpy's legacy RandomState conversions
// (53-bit doubles, polar Gaussian), so a seeded op reproduces what ONNX's numpy reference draws
// from RandomState(seed).
#pragma once

#include <cstdint>
#include <random>

namespace lacuna::kernels::ref {

class NumpyRandom {
 public:
  explicit NumpyRandom(uint32_t seed) : mt_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double uniform() {
    const uint32_t a = static_cast<uint32_t>(mt_()) >> 5;
    const uint32_t b = static_cast<uint32_t>(mt_()) >> 6;
    return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) / 9007199254740992.0;
  }

  // Standard normal by the polar method; each accepted pair yields two values.
  double gauss();

 private:
  std::mt19937 mt_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Draws a seed for ops without a `seed` attribute.
uint32_t nondeterministic_seed();
// A real-valued seed truncated to an integer and reduced to 32 bits (non-finite values give 0).
uint32_t seed_from_double(double seed);

}  // namespace lacuna::kernels::ref
