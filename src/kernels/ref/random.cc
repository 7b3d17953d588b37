// NumpyRandom's Gaussian and the fallback seed source.
#include "kernels/ref/random.h"

#include <chrono>
#include <cmath>

namespace lacuna::kernels::ref {

double NumpyRandom::gauss() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * uniform() - 1.0;
    x2 = 2.0 * uniform() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  spare_ = f * x1;
  has_spare_ = true;
  return f * x2;
}

uint32_t seed_from_double(double seed) {
  if (!std::isfinite(seed)) return 0;
  const double t = std::trunc(std::fmod(seed, 4294967296.0));
  return static_cast<uint32_t>(static_cast<int64_t>(t));
}

uint32_t nondeterministic_seed() {
  try {
    std::random_device rd;
    return rd();
  } catch (...) {  // no entropy source: the clock still differs between runs
    return static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
}

}  // namespace lacuna::kernels::ref
