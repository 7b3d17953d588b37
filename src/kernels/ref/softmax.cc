// Reference softmax family. The maximum is subtracted before exponentiating so large inputs do
// not overflow; Hardmax marks the first maximum.
#include "kernels/ref/softmax.h"

#include <cmath>

namespace lacuna::kernels::ref {

template <class T>
void softmax(SoftmaxKind kind, const T* x, int64_t outer, int64_t axis, int64_t inner, T* y) {
  if (axis <= 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* xs = x + o * axis * inner + i;
      T* ys = y + o * axis * inner + i;
      T mx = xs[0];
      int64_t arg = 0;
      for (int64_t a = 1; a < axis; ++a) {
        if (xs[a * inner] > mx) {
          mx = xs[a * inner];
          arg = a;
        }
      }
      if (kind == SoftmaxKind::kHardmax) {
        for (int64_t a = 0; a < axis; ++a) ys[a * inner] = a == arg ? T(1) : T(0);
        continue;
      }
      T sum = T(0);
      for (int64_t a = 0; a < axis; ++a) {
        const T e = std::exp(xs[a * inner] - mx);
        sum += e;
        if (kind == SoftmaxKind::kSoftmax) ys[a * inner] = e;
      }
      if (kind == SoftmaxKind::kSoftmax) {
        for (int64_t a = 0; a < axis; ++a) ys[a * inner] /= sum;
      } else {
        const T log_sum = std::log(sum);
        for (int64_t a = 0; a < axis; ++a) ys[a * inner] = xs[a * inner] - mx - log_sum;
      }
    }
  }
}

template void softmax<float>(SoftmaxKind, const float*, int64_t, int64_t, int64_t, float*);
template void softmax<double>(SoftmaxKind, const double*, int64_t, int64_t, int64_t, double*);

}  // namespace lacuna::kernels::ref
