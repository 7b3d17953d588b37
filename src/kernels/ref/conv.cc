// Reference convolution. The input is unfolded (im2col) a tile of output rows at a time so the
// scratch buffer stays bounded, then multiplied by each group's weights with the reference GEMM.
#include "kernels/ref/conv.h"

#include <algorithm>

#include "kernels/ref/gemm.h"

namespace lacuna::kernels::ref {

namespace {

// Upper bound on the unfolded tile, in elements (8 MB of float).
constexpr int64_t kColBudget = int64_t{1} << 21;

int64_t product(const std::vector<int64_t>& v) {
  int64_t r = 1;
  for (int64_t x : v) r *= x;
  return r;
}

// Row-major multi-index of flat index f over dims[0..n).
void unflatten(int64_t f, const std::vector<int64_t>& dims, size_t n, int64_t* idx) {
  for (size_t d = n; d-- > 0;) {
    idx[d] = f % dims[d];
    f /= dims[d];
  }
}

bool is_pointwise(const ConvParams& p) {
  for (size_t d = 0; d < p.kernel.size(); ++d) {
    if (p.kernel[d] != 1 || p.strides[d] != 1 || p.pads_begin[d] != 0 ||
        p.in_spatial[d] != p.out_spatial[d]) {
      return false;
    }
  }
  return true;
}

// Output rows: every spatial dimension but the last, which is unfolded as one contiguous run.
int64_t outer_rows(const std::vector<int64_t>& spatial) {
  int64_t r = 1;
  for (size_t d = 0; d + 1 < spatial.size(); ++d) r *= spatial[d];
  return r;
}
int64_t last_dim(const std::vector<int64_t>& spatial) { return spatial.empty() ? 1 : spatial.back(); }

int64_t rows_per_tile(const ConvParams& p) {
  const int64_t ck = p.in_channels / p.groups * product(p.kernel);
  const int64_t row = std::max<int64_t>(1, ck * last_dim(p.out_spatial));
  return std::clamp<int64_t>(kColBudget / row, 1, std::max<int64_t>(1, outer_rows(p.out_spatial)));
}

// Unfolds output rows [r0, r1) of one group's input (cg channels) into col, whose rows are
// (channel, kernel offset) and whose columns are output positions.
template <class T>
void im2col_rows(const ConvParams& p, const T* x, int64_t cg, int64_t r0, int64_t r1, T* col) {
  const size_t nd = p.kernel.size();
  const size_t lastd = nd - 1;
  const int64_t in_last = p.in_spatial[lastd], out_last = p.out_spatial[lastd];
  const int64_t in_size = product(p.in_spatial), ks = product(p.kernel);
  const int64_t ncols = (r1 - r0) * out_last;
  std::vector<int64_t> kidx(nd), oidx(nd);
  for (int64_t ci = 0; ci < cg; ++ci) {
    const T* xc = x + ci * in_size;
    for (int64_t kk = 0; kk < ks; ++kk) {
      unflatten(kk, p.kernel, nd, kidx.data());
      T* dst = col + (ci * ks + kk) * ncols;
      const int64_t base = kidx[lastd] * p.dilations[lastd] - p.pads_begin[lastd];
      const int64_t s = p.strides[lastd];
      for (int64_t r = r0; r < r1; ++r) {
        unflatten(r, p.out_spatial, lastd, oidx.data());
        T* row = dst + (r - r0) * out_last;
        int64_t offset = 0;
        bool valid = true;
        for (size_t d = 0; d < lastd; ++d) {
          const int64_t ip = oidx[d] * p.strides[d] - p.pads_begin[d] + kidx[d] * p.dilations[d];
          valid = valid && ip >= 0 && ip < p.in_spatial[d];
          offset = offset * p.in_spatial[d] + ip;
        }
        if (!valid) {
          std::fill(row, row + out_last, T(0));
          continue;
        }
        const T* src = xc + offset * in_last;
        for (int64_t ol = 0; ol < out_last; ++ol) {
          const int64_t ip = ol * s + base;
          row[ol] = ip >= 0 && ip < in_last ? src[ip] : T(0);
        }
      }
    }
  }
}

// Adds col (rows (channel, kernel offset), columns input positions) into one group's output.
template <class T>
void col2im_add(const ConvParams& p, const T* col, int64_t mg, T* y) {
  const size_t nd = p.kernel.size();
  const size_t lastd = nd - 1;
  const int64_t in_last = p.in_spatial[lastd], out_last = p.out_spatial[lastd];
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  const int64_t ks = product(p.kernel), rows = outer_rows(p.in_spatial);
  std::vector<int64_t> kidx(nd), iidx(nd);
  for (int64_t mo = 0; mo < mg; ++mo) {
    T* ym = y + mo * out_size;
    for (int64_t kk = 0; kk < ks; ++kk) {
      unflatten(kk, p.kernel, nd, kidx.data());
      const T* src = col + (mo * ks + kk) * in_size;
      const int64_t base = kidx[lastd] * p.dilations[lastd] - p.pads_begin[lastd];
      const int64_t s = p.strides[lastd];
      for (int64_t r = 0; r < rows; ++r) {
        unflatten(r, p.in_spatial, lastd, iidx.data());
        int64_t offset = 0;
        bool valid = true;
        for (size_t d = 0; d < lastd; ++d) {
          const int64_t op = iidx[d] * p.strides[d] - p.pads_begin[d] + kidx[d] * p.dilations[d];
          valid = valid && op >= 0 && op < p.out_spatial[d];
          offset = offset * p.out_spatial[d] + op;
        }
        if (!valid) continue;
        T* dst = ym + offset * out_last;
        const T* row = src + r * in_last;
        for (int64_t il = 0; il < in_last; ++il) {
          const int64_t op = il * s + base;
          if (op >= 0 && op < out_last) dst[op] += row[il];
        }
      }
    }
  }
}

template <class T>
void add_bias(const T* bias, int64_t channels, int64_t size, T* y) {
  if (!bias) return;
  for (int64_t c = 0; c < channels; ++c) {
    T* yc = y + c * size;
    for (int64_t i = 0; i < size; ++i) yc[i] += bias[c];
  }
}

}  // namespace

size_t conv_workspace_elems(const ConvParams& p) {
  if (is_pointwise(p)) return 0;
  const int64_t ck = p.in_channels / p.groups * product(p.kernel);
  return static_cast<size_t>(ck * rows_per_tile(p) * last_dim(p.out_spatial));
}

template <class T>
void conv_forward(const ConvParams& p, const T* x, const T* w, const T* bias, T* y, T* workspace) {
  const int64_t cg = p.in_channels / p.groups, mg = p.out_channels / p.groups;
  const int64_t ks = product(p.kernel), ck = cg * ks;
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  const bool pointwise = is_pointwise(p);
  const int64_t tile = rows_per_tile(p), rows = outer_rows(p.out_spatial);
  const int64_t out_last = last_dim(p.out_spatial);
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.in_channels + g * cg) * in_size;
      const T* wg = w + g * mg * ck;
      T* yg = y + (n * p.out_channels + g * mg) * out_size;
      if (pointwise) {
        gemm<T>(GemmShape{mg, out_size, cg, false, false, ck, in_size, out_size}, T(1), wg, xg,
                T(0), yg);
        continue;
      }
      for (int64_t r0 = 0; r0 < rows; r0 += tile) {
        const int64_t r1 = std::min(rows, r0 + tile);
        const int64_t ncols = (r1 - r0) * out_last;
        im2col_rows(p, xg, cg, r0, r1, workspace);
        gemm<T>(GemmShape{mg, ncols, ck, false, false, ck, ncols, out_size}, T(1), wg, workspace,
                T(0), yg + r0 * out_last);
      }
    }
    add_bias(bias, p.out_channels, out_size, y + n * p.out_channels * out_size);
  }
}

size_t conv_transpose_workspace_elems(const ConvParams& p) {
  return static_cast<size_t>(p.out_channels / p.groups * product(p.kernel) * product(p.in_spatial));
}

template <class T>
void conv_transpose_forward(const ConvParams& p, const T* x, const T* w, const T* bias, T* y,
                            T* workspace) {
  const int64_t cg = p.in_channels / p.groups, mg = p.out_channels / p.groups;
  const int64_t ks = product(p.kernel);
  const int64_t in_size = product(p.in_spatial), out_size = product(p.out_spatial);
  std::fill(y, y + p.batch * p.out_channels * out_size, T(0));
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.in_channels + g * cg) * in_size;
      const T* wg = w + g * cg * mg * ks;
      T* yg = y + (n * p.out_channels + g * mg) * out_size;
      // col = Wg^T (mg*ks x cg) * Xg (cg x in_size)
      gemm<T>(GemmShape{mg * ks, in_size, cg, true, false, mg * ks, in_size, in_size}, T(1), wg, xg,
              T(0), workspace);
      col2im_add(p, workspace, mg, yg);
    }
    add_bias(bias, p.out_channels, out_size, y + n * p.out_channels * out_size);
  }
}

template void conv_forward<float>(const ConvParams&, const float*, const float*, const float*,
                                  float*, float*);
template void conv_forward<double>(const ConvParams&, const double*, const double*, const double*,
                                   double*, double*);
template void conv_transpose_forward<float>(const ConvParams&, const float*, const float*,
                                            const float*, float*, float*);
template void conv_transpose_forward<double>(const ConvParams&, const double*, const double*,
                                             const double*, double*, double*);

}  // namespace lacuna::kernels::ref
