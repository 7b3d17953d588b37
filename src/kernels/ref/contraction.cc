// Reference contraction and determinant.
#include "kernels/ref/contraction.h"

#include <cmath>
#include <utility>

namespace lacuna::kernels::ref {

namespace {

// Odometer over labels [first, last): advances idx and every operand offset; false when done.
bool advance(const ContractionParams& p, size_t first, size_t last, std::vector<int64_t>& idx,
             std::vector<int64_t>& offs) {
  for (size_t l = last; l-- > first;) {
    ++idx[l];
    for (size_t k = 0; k < offs.size(); ++k) offs[k] += p.operand_strides[k][l];
    if (idx[l] < p.sizes[l]) return true;
    for (size_t k = 0; k < offs.size(); ++k) offs[k] -= p.operand_strides[k][l] * p.sizes[l];
    idx[l] = 0;
  }
  return false;
}

}  // namespace

template <class T>
void contract(const ContractionParams& p, const std::vector<const T*>& operands, T* y) {
  const size_t labels = p.sizes.size();
  const auto n_out = static_cast<size_t>(p.num_out_labels);
  for (int64_t s : p.sizes) {
    if (s == 0) {
      // No summed terms (or no outputs): every output is an empty sum.
      int64_t out_count = 1;
      for (size_t l = 0; l < n_out; ++l) out_count *= p.sizes[l];
      for (int64_t i = 0; i < out_count; ++i) y[i] = T(0);
      return;
    }
  }
  std::vector<int64_t> idx(labels, 0);
  std::vector<int64_t> outer(operands.size(), 0);
  do {
    int64_t out_off = 0;
    for (size_t l = 0; l < n_out; ++l) out_off += idx[l] * p.out_strides[l];
    std::vector<int64_t> inner = outer;
    T acc = T(0);
    do {
      T prod = T(1);
      for (size_t k = 0; k < operands.size(); ++k) prod = static_cast<T>(prod * operands[k][inner[k]]);
      acc = static_cast<T>(acc + prod);
    } while (advance(p, n_out, labels, idx, inner));
    y[out_off] = acc;
  } while (advance(p, 0, n_out, idx, outer));
}

template <class T>
void determinant(const T* x, int64_t count, int64_t n, T* y) {
  std::vector<double> a(static_cast<size_t>(n * n));
  for (int64_t b = 0; b < count; ++b) {
    for (int64_t i = 0; i < n * n; ++i) a[static_cast<size_t>(i)] = static_cast<double>(x[b * n * n + i]);
    double det = 1;
    for (int64_t c = 0; c < n && det != 0; ++c) {
      int64_t piv = c;
      for (int64_t r = c + 1; r < n; ++r) {
        if (std::abs(a[static_cast<size_t>(r * n + c)]) > std::abs(a[static_cast<size_t>(piv * n + c)])) piv = r;
      }
      const double pv = a[static_cast<size_t>(piv * n + c)];
      if (pv == 0) {
        det = 0;
        break;
      }
      if (piv != c) {
        for (int64_t k = 0; k < n; ++k) std::swap(a[static_cast<size_t>(c * n + k)], a[static_cast<size_t>(piv * n + k)]);
        det = -det;
      }
      det *= pv;
      for (int64_t r = c + 1; r < n; ++r) {
        const double f = a[static_cast<size_t>(r * n + c)] / pv;
        if (f == 0) continue;
        for (int64_t k = c; k < n; ++k) a[static_cast<size_t>(r * n + k)] -= f * a[static_cast<size_t>(c * n + k)];
      }
    }
    y[b] = static_cast<T>(det);
  }
}

template void contract<float>(const ContractionParams&, const std::vector<const float*>&, float*);
template void contract<double>(const ContractionParams&, const std::vector<const double*>&, double*);
template void contract<int32_t>(const ContractionParams&, const std::vector<const int32_t*>&, int32_t*);
template void contract<int64_t>(const ContractionParams&, const std::vector<const int64_t*>&, int64_t*);
template void contract<uint32_t>(const ContractionParams&, const std::vector<const uint32_t*>&, uint32_t*);
template void contract<uint64_t>(const ContractionParams&, const std::vector<const uint64_t*>&, uint64_t*);
template void determinant<float>(const float*, int64_t, int64_t, float*);
template void determinant<double>(const double*, int64_t, int64_t, double*);

}  // namespace lacuna::kernels::ref
