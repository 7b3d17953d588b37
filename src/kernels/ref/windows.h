// Reference spectral helpers: the generalized cosine windows (Hann, Hamming, Blackman) and the
// triangular mel filterbank matrix.
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

enum class WindowKind { kHann, kHamming, kBlackman };

// Value k of a window of `size` points; a periodic window has period `size` (for spectral
// analysis), a symmetric one has period `size - 1`.
double cosine_window_value(WindowKind kind, int64_t k, int64_t size, bool periodic);

struct MelParams {
  int64_t num_mel_bins = 0;
  int64_t dft_length = 0;
  int64_t sample_rate = 0;
  double lower_edge_hertz = 0;
  double upper_edge_hertz = 0;
};

// out: [dft_length / 2 + 1, num_mel_bins], triangles on the mel scale
// mel(f) = 2595 log10(1 + f / 700) with peaks of 1. sample_rate must be positive.
void mel_weight_matrix(const MelParams& p, double* out);

}  // namespace lacuna::kernels::ref
