// Reference recurrent kernels (RNN, GRU, LSTM): plain loops over batch rows and time steps, the
// oracle for optimized recurrent kernels. Gate layouts follow the ONNX weight packing.
#pragma once

#include <cstdint>
#include <vector>

namespace lacuna::kernels::ref {

enum class RnnActivation {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus,
};

struct ActivationFn {
  RnnActivation kind = RnnActivation::kTanh;
  float alpha = 0.f;
  float beta = 0.f;
  double operator()(double x) const;
};

enum class RnnDirection { kForward, kReverse, kBidirectional };

struct RecurrentParams {
  int64_t seq_length = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden = 0;
  RnnDirection direction = RnnDirection::kForward;
  // false: X is [seq, batch, input], Y [seq, dirs, batch, hidden], states [dirs, batch, hidden].
  // true:  X is [batch, seq, input], Y [batch, seq, dirs, hidden], states [batch, dirs, hidden].
  bool batch_major = false;
  bool has_clip = false;
  float clip = 0.f;  // pre-activations are clamped to [-clip, clip] when has_clip
  // Per direction, the cell's functions in order: RNN (f), GRU (f, g), LSTM (f, g, h).
  std::vector<ActivationFn> activations;
  bool linear_before_reset = false;  // GRU: apply the reset gate after the recurrent product
  bool input_forget = false;         // LSTM: couple the forget gate to the input gate (f = 1 - i)

  int num_directions() const { return direction == RnnDirection::kBidirectional ? 2 : 1; }
};

// Buffers in ONNX packing. W: [dirs, gates*hidden, input], R: [dirs, gates*hidden, hidden],
// B: [dirs, 2*gates*hidden] (input biases then recurrent biases), P: [dirs, 3*hidden] (LSTM
// peepholes i, o, f). Optional inputs and outputs are nullptr when absent. seq_lens values must
// lie in [0, seq_length].
template <class T>
struct RecurrentBuffers {
  const T* x = nullptr;
  const T* w = nullptr;
  const T* r = nullptr;
  const T* b = nullptr;
  const int32_t* seq_lens = nullptr;
  const T* initial_h = nullptr;
  const T* initial_c = nullptr;
  const T* p = nullptr;
  T* y = nullptr;
  T* y_h = nullptr;
  T* y_c = nullptr;
};

// Gate orders: GRU z, r, h; LSTM i, o, f, c.
template <class T>
void rnn_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf);
template <class T>
void gru_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf);
template <class T>
void lstm_forward(const RecurrentParams& p, const RecurrentBuffers<T>& buf);

}  // namespace lacuna::kernels::ref
