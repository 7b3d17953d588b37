// Reference RNN, GRU and LSTM. Each batch row is run on its own (rows are independent), with the
// state kept in double so that the oracle is more precise than the kernels tested against it.
#include "kernels/ref/recurrent.h"

#include <algorithm>
#include <cmath>

namespace lacuna::kernels::ref {

double ActivationFn::operator()(double x) const {
  switch (kind) {
    case RnnActivation::kRelu:
      return x > 0 ? x : 0.0;
    case RnnActivation::kTanh:
      return std::tanh(x);
    case RnnActivation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case RnnActivation::kAffine:
      return alpha * x + beta;
    case RnnActivation::kLeakyRelu:
      return x >= 0 ? x : alpha * x;
    case RnnActivation::kThresholdedRelu:
      return x > alpha ? x : 0.0;
    case RnnActivation::kScaledTanh:
      return alpha * std::tanh(beta * x);
    case RnnActivation::kHardSigmoid:
      return std::clamp(alpha * x + beta, 0.0, 1.0);
    case RnnActivation::kElu:
      return x >= 0 ? x : alpha * (std::exp(x) - 1.0);
    case RnnActivation::kSoftsign:
      return x / (1.0 + std::abs(x));
    case RnnActivation::kSoftplus:  // log1p(exp(x)) without overflow for large x
      return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  return x;
}

namespace {

// Element offsets of X rows, Y rows and state rows for either layout.
struct Layout {
  const RecurrentParams& p;
  int64_t x(int64_t t, int64_t b) const {
    return (p.batch_major ? b * p.seq_length + t : t * p.batch + b) * p.input_size;
  }
  int64_t y(int64_t t, int d, int64_t b) const {
    const int nd = p.num_directions();
    return (p.batch_major ? (b * p.seq_length + t) * nd + d : (t * nd + d) * p.batch + b) * p.hidden;
  }
  int64_t state(int d, int64_t b) const {
    const int nd = p.num_directions();
    return (p.batch_major ? b * nd + d : d * p.batch + b) * p.hidden;
  }
};

// The weights of one direction, and the gate pre-activation x·W[row] + h·R[row] + biases.
template <class T>
struct DirWeights {
  const T* w;
  const T* r;
  const T* wb;  // nullptr without B
  const T* rb;
  int64_t input_size;
  int64_t hidden;

  DirWeights(const RecurrentParams& p, const RecurrentBuffers<T>& buf, int d, int gates)
      : input_size(p.input_size), hidden(p.hidden) {
    const int64_t rows = gates * p.hidden;
    w = buf.w + d * rows * p.input_size;
    r = buf.r + d * rows * p.hidden;
    wb = buf.b ? buf.b + d * 2 * rows : nullptr;
    rb = buf.b ? wb + rows : nullptr;
  }
  double input_part(const T* x, int64_t row) const {
    double s = wb ? static_cast<double>(wb[row]) : 0.0;
    const T* wr = w + row * input_size;
    for (int64_t k = 0; k < input_size; ++k) s += static_cast<double>(x[k]) * static_cast<double>(wr[k]);
    return s;
  }
  double recurrent_part(const double* h, int64_t row) const {
    double s = rb ? static_cast<double>(rb[row]) : 0.0;
    const T* rr = r + row * hidden;
    for (int64_t k = 0; k < hidden; ++k) s += h[k] * static_cast<double>(rr[k]);
    return s;
  }
};

double clip(const RecurrentParams& p, double v) {
  return p.has_clip ? std::clamp(v, -static_cast<double>(p.clip), static_cast<double>(p.clip)) : v;
}

// Runs `step(d, x_row, h, c)` over every direction, batch row and valid time step (reversed
// directions walk each row's valid steps backwards), and writes Y, Y_h and Y_c. Steps past a
// row's sequence length produce zeros in Y.
template <class T, class Step>
void drive(const RecurrentParams& p, const RecurrentBuffers<T>& buf, Step&& step) {
  const Layout lay{p};
  const int64_t H = p.hidden;
  std::vector<double> h(static_cast<size_t>(H)), c(static_cast<size_t>(H));
  for (int d = 0; d < p.num_directions(); ++d) {
    const bool reversed = p.direction == RnnDirection::kReverse || d == 1;
    for (int64_t b = 0; b < p.batch; ++b) {
      const int64_t so = lay.state(d, b);
      for (int64_t j = 0; j < H; ++j) {
        h[static_cast<size_t>(j)] = buf.initial_h ? static_cast<double>(buf.initial_h[so + j]) : 0.0;
        c[static_cast<size_t>(j)] = buf.initial_c ? static_cast<double>(buf.initial_c[so + j]) : 0.0;
      }
      const int64_t len = buf.seq_lens ? buf.seq_lens[b] : p.seq_length;
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reversed ? len - 1 - s : s;
        step(d, buf.x + lay.x(t, b), h.data(), c.data());
        if (buf.y) {
          T* yr = buf.y + lay.y(t, d, b);
          for (int64_t j = 0; j < H; ++j) yr[j] = static_cast<T>(h[static_cast<size_t>(j)]);
        }
      }
      if (buf.y) {
        for (int64_t t = len; t < p.seq_length; ++t) std::fill_n(buf.y + lay.y(t, d, b), H, T(0));
      }
      for (int64_t j = 0; j < H; ++j) {
        if (buf.y_h) buf.y_h[so + j] = static_cast<T>(h[static_cast<size_t>(j)]);
        if (buf.y_c) buf.y_c[so + j] = static_cast<T>(c[static_cast<size_t>(j)]);
      }
    }
  }
}

}  // namespace

template <class T>
void rnn_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf) {
  const int64_t H = p.hidden;
  std::vector<double> next(static_cast<size_t>(H));
  drive(p, buf, [&](int d, const T* x, double* h, double*) {
    const DirWeights<T> wt(p, buf, d, 1);
    const ActivationFn& f = p.activations[static_cast<size_t>(d)];
    for (int64_t j = 0; j < H; ++j) {
      next[static_cast<size_t>(j)] = f(clip(p, wt.input_part(x, j) + wt.recurrent_part(h, j)));
    }
    std::copy(next.begin(), next.end(), h);
  });
}

template <class T>
void gru_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf) {
  const int64_t H = p.hidden;
  std::vector<double> z(static_cast<size_t>(H)), r(static_cast<size_t>(H)), rh(static_cast<size_t>(H)),
      cand(static_cast<size_t>(H));
  drive(p, buf, [&](int d, const T* x, double* h, double*) {
    const DirWeights<T> wt(p, buf, d, 3);
    const ActivationFn& f = p.activations[static_cast<size_t>(2 * d)];
    const ActivationFn& g = p.activations[static_cast<size_t>(2 * d + 1)];
    for (int64_t j = 0; j < H; ++j) {
      const auto u = static_cast<size_t>(j);
      z[u] = f(clip(p, wt.input_part(x, j) + wt.recurrent_part(h, j)));
      r[u] = f(clip(p, wt.input_part(x, H + j) + wt.recurrent_part(h, H + j)));
      rh[u] = r[u] * h[j];
    }
    // The candidate state reads the old h, so compute every candidate before updating h.
    for (int64_t j = 0; j < H; ++j) {
      const auto u = static_cast<size_t>(j);
      const double xin = wt.input_part(x, 2 * H + j);
      const double rec = p.linear_before_reset ? r[u] * wt.recurrent_part(h, 2 * H + j)
                                               : wt.recurrent_part(rh.data(), 2 * H + j);
      cand[u] = g(clip(p, xin + rec));
    }
    for (int64_t j = 0; j < H; ++j) {
      const auto u = static_cast<size_t>(j);
      h[j] = (1.0 - z[u]) * cand[u] + z[u] * h[j];
    }
  });
}

template <class T>
void lstm_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf) {
  const int64_t H = p.hidden;
  std::vector<double> gi(static_cast<size_t>(H)), go(static_cast<size_t>(H)), gf(static_cast<size_t>(H)),
      gc(static_cast<size_t>(H));
  drive(p, buf, [&](int d, const T* x, double* h, double* c) {
    const DirWeights<T> wt(p, buf, d, 4);
    const ActivationFn& f = p.activations[static_cast<size_t>(3 * d)];
    const ActivationFn& g = p.activations[static_cast<size_t>(3 * d + 1)];
    const ActivationFn& hf = p.activations[static_cast<size_t>(3 * d + 2)];
    const T* peep = buf.p ? buf.p + d * 3 * H : nullptr;
    auto pre = [&](int gate, int64_t j) {
      return wt.input_part(x, gate * H + j) + wt.recurrent_part(h, gate * H + j);
    };
    for (int64_t j = 0; j < H; ++j) {
      const auto u = static_cast<size_t>(j);
      const double pi = peep ? static_cast<double>(peep[j]) * c[j] : 0.0;
      const double pf = peep ? static_cast<double>(peep[2 * H + j]) * c[j] : 0.0;
      gi[u] = f(clip(p, pre(0, j) + pi));
      gf[u] = p.input_forget ? 1.0 - gi[u] : f(clip(p, pre(2, j) + pf));
      gc[u] = g(clip(p, pre(3, j)));
      go[u] = pre(1, j);  // the output gate's peephole reads the new cell state, added below
    }
    for (int64_t j = 0; j < H; ++j) {
      const auto u = static_cast<size_t>(j);
      c[j] = gf[u] * c[j] + gi[u] * gc[u];
      const double po = peep ? static_cast<double>(peep[H + j]) * c[j] : 0.0;
      h[j] = f(clip(p, go[u] + po)) * hf(c[j]);
    }
  });
}

template void rnn_forward<float>(const RecurrentParams&, const RecurrentBuffers<float>&);
template void rnn_forward<double>(const RecurrentParams&, const RecurrentBuffers<double>&);
template void gru_forward<float>(const RecurrentParams&, const RecurrentBuffers<float>&);
template void gru_forward<double>(const RecurrentParams&, const RecurrentBuffers<double>&);
template void lstm_forward<float>(const RecurrentParams&, const RecurrentBuffers<float>&);
template void lstm_forward<double>(const RecurrentParams&, const RecurrentBuffers<double>&);

}  // namespace lacuna::kernels::ref
