// Reference discrete Fourier transforms: a direct O(n^2) DFT along one axis of a strided batch,
// and the short-time Fourier transform built on it. Complex values are interleaved (re, im).
#pragma once

#include <cstdint>

namespace lacuna::kernels::ref {

// x is viewed as [outer, in_len, inner, in_components] (in_components 1 = real, 2 = complex)
// and y as [outer, out_len, inner, 2]. Each (outer, inner) signal is zero-padded or truncated
// to n points and transformed; bins 0..out_len-1 (out_len <= n) are written. The inverse
// transform uses the positive exponent and scales by 1/n.
struct DftParams {
  int64_t outer = 1;
  int64_t inner = 1;
  int64_t in_len = 0;
  int in_components = 1;
  int64_t n = 0;
  int64_t out_len = 0;
  bool inverse = false;
};

template <class T>
void dft(const DftParams& p, const T* x, T* y);

// signal: [batch, signal_len, in_components]; window: [frame_length] or nullptr (rectangular);
// y: [batch, frames, bins, 2] with frames = (signal_len - frame_length) / frame_step + 1 and
// bins <= frame_length (the first `bins` bins of each frame's frame_length-point DFT).
struct StftParams {
  int64_t batch = 0;
  int64_t signal_len = 0;
  int in_components = 1;
  int64_t frame_step = 1;
  int64_t frame_length = 0;
  int64_t frames = 0;
  int64_t bins = 0;
};

template <class T>
void stft(const StftParams& p, const T* signal, const T* window, T* y);

}  // namespace lacuna::kernels::ref
