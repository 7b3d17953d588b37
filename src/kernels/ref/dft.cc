// Direct DFT and STFT. The twiddle factors come from a table indexed by (m * k) mod n, which
// keeps the angles exact for long transforms instead of accumulating rounding in m * k * step.
#include "kernels/ref/dft.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace lacuna::kernels::ref {

namespace {

using Complex = std::complex<double>;

// e^{-2 pi i j / n} (or e^{+...} for the inverse) for j in [0, n).
std::vector<Complex> twiddles(int64_t n, bool inverse) {
  std::vector<Complex> w(static_cast<size_t>(n));
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t j = 0; j < n; ++j) {
    const double a = 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n);
    w[static_cast<size_t>(j)] = Complex(std::cos(a), sign * std::sin(a));
  }
  return w;
}

// out[m] = scale * sum_{k < in.size()} in[k] * w[(m * k) mod n] for m < out.size().
void transform(const std::vector<Complex>& in, const std::vector<Complex>& w, double scale,
               std::vector<Complex>& out) {
  const auto n = static_cast<uint64_t>(w.size());
  for (size_t m = 0; m < out.size(); ++m) {
    Complex s = 0.0;
    uint64_t idx = 0;
    for (size_t k = 0; k < in.size(); ++k) {
      s += in[k] * w[idx];
      idx += m;
      if (idx >= n) idx %= n;
    }
    out[m] = s * scale;
  }
}

}  // namespace

template <class T>
void dft(const DftParams& p, const T* x, T* y) {
  if (p.n <= 0 || p.out_len <= 0) return;
  const std::vector<Complex> w = twiddles(p.n, p.inverse);
  const double scale = p.inverse ? 1.0 / static_cast<double>(p.n) : 1.0;
  const int64_t used = std::min(p.in_len, p.n);  // points beyond n are cut; missing ones are 0
  std::vector<Complex> in(static_cast<size_t>(used)), out(static_cast<size_t>(p.out_len));
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      for (int64_t k = 0; k < used; ++k) {
        const T* e = x + ((o * p.in_len + k) * p.inner + i) * p.in_components;
        in[static_cast<size_t>(k)] =
            Complex(static_cast<double>(e[0]), p.in_components == 2 ? static_cast<double>(e[1]) : 0.0);
      }
      transform(in, w, scale, out);
      for (int64_t m = 0; m < p.out_len; ++m) {
        T* e = y + ((o * p.out_len + m) * p.inner + i) * 2;
        e[0] = static_cast<T>(out[static_cast<size_t>(m)].real());
        e[1] = static_cast<T>(out[static_cast<size_t>(m)].imag());
      }
    }
  }
}

template <class T>
void stft(const StftParams& p, const T* signal, const T* window, T* y) {
  if (p.frame_length <= 0 || p.bins <= 0) return;
  const std::vector<Complex> w = twiddles(p.frame_length, false);
  std::vector<Complex> in(static_cast<size_t>(p.frame_length)), out(static_cast<size_t>(p.bins));
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t f = 0; f < p.frames; ++f) {
      const T* s = signal + (b * p.signal_len + f * p.frame_step) * p.in_components;
      for (int64_t k = 0; k < p.frame_length; ++k) {
        const double wk = window ? static_cast<double>(window[k]) : 1.0;
        const T* e = s + k * p.in_components;
        in[static_cast<size_t>(k)] = Complex(static_cast<double>(e[0]) * wk,
                                             p.in_components == 2 ? static_cast<double>(e[1]) * wk : 0.0);
      }
      transform(in, w, 1.0, out);
      T* yo = y + (b * p.frames + f) * p.bins * 2;
      for (int64_t m = 0; m < p.bins; ++m) {
        yo[2 * m] = static_cast<T>(out[static_cast<size_t>(m)].real());
        yo[2 * m + 1] = static_cast<T>(out[static_cast<size_t>(m)].imag());
      }
    }
  }
}

template void dft<float>(const DftParams&, const float*, float*);
template void dft<double>(const DftParams&, const double*, double*);
template void stft<float>(const StftParams&, const float*, const float*, float*);
template void stft<double>(const StftParams&, const double*, const double*, double*);

}  // namespace lacuna::kernels::ref
