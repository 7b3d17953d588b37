// Random benchmark weights: uniform in [-1, 1) with a fraction `sparsity` of zeros (unstructured).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace lacuna::bench {

inline std::vector<float> weights(int64_t n, double sparsity, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_real_distribution<double> p(0, 1);
  std::vector<float> w(static_cast<size_t>(n));
  for (auto& v : w) v = p(rng) < sparsity ? 0.f : u(rng);
  return w;
}

}  // namespace lacuna::bench
