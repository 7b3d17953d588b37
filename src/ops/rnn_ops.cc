// RNN, GRU and LSTM: attributes (directions, activations, clip, layout), shape checks of the
// packed weights and optional states, and the call into the reference recurrent kernels.
#include <algorithm>
#include <cctype>

#include "kernels/ref/recurrent.h"
#include "ops/common.h"
#include "ops/families.h"
#include "ops/registry.h"

namespace lacuna::ops {

namespace {

namespace ref = kernels::ref;

enum class Cell { kRnn, kGru, kLstm };

// Input and output slots shared by the three operators (P and Y_c are LSTM only).
enum Input { kX = 0, kW, kR, kB, kSeqLens, kInitialH, kInitialC, kPeepholes };
enum Output { kY = 0, kYh, kYc };

int num_gates(Cell c) { return c == Cell::kRnn ? 1 : c == Cell::kGru ? 3 : 4; }
int num_functions(Cell c) { return c == Cell::kRnn ? 1 : c == Cell::kGru ? 2 : 3; }

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

struct ActivationInfo {
  ref::RnnActivation kind;
  bool takes_alpha;
  bool takes_beta;
  float alpha;  // defaults of the matching ONNX operators
  float beta;
};

const ActivationInfo* find_activation(const std::string& name) {
  static const std::pair<const char*, ActivationInfo> kTable[] = {
      {"relu", {ref::RnnActivation::kRelu, false, false, 0.f, 0.f}},
      {"tanh", {ref::RnnActivation::kTanh, false, false, 0.f, 0.f}},
      {"sigmoid", {ref::RnnActivation::kSigmoid, false, false, 0.f, 0.f}},
      {"affine", {ref::RnnActivation::kAffine, true, true, 1.f, 0.f}},
      {"leakyrelu", {ref::RnnActivation::kLeakyRelu, true, false, 0.01f, 0.f}},
      {"thresholdedrelu", {ref::RnnActivation::kThresholdedRelu, true, false, 1.f, 0.f}},
      {"scaledtanh", {ref::RnnActivation::kScaledTanh, true, true, 1.f, 1.f}},
      {"hardsigmoid", {ref::RnnActivation::kHardSigmoid, true, true, 0.2f, 0.5f}},
      {"elu", {ref::RnnActivation::kElu, true, false, 1.f, 0.f}},
      {"softsign", {ref::RnnActivation::kSoftsign, false, false, 0.f, 0.f}},
      {"softplus", {ref::RnnActivation::kSoftplus, false, false, 0.f, 0.f}},
  };
  const std::string key = lower(name);
  for (const auto& [n, info] : kTable) {
    if (key == n) return &info;
  }
  return nullptr;
}

template <Cell kCell>
class RecurrentKernel : public KernelBase {
 public:
  using KernelBase::KernelBase;

  Status init() {
    const std::string dir = attr_string("direction", "forward");
    if (dir == "forward")
      params_.direction = ref::RnnDirection::kForward;
    else if (dir == "reverse")
      params_.direction = ref::RnnDirection::kReverse;
    else if (dir == "bidirectional")
      params_.direction = ref::RnnDirection::kBidirectional;
    else
      return error("direction must be forward, reverse or bidirectional, not '" + dir + "'");
    hidden_ = attr_int("hidden_size", 0);
    if (hidden_ <= 0 || hidden_ > (int64_t{1} << 40))
      return error("hidden_size must be a positive integer below 2^40");
    params_.hidden = hidden_;
    const int64_t layout = opset_ >= 14 ? attr_int("layout", 0) : 0;
    if (layout != 0 && layout != 1) return error("layout must be 0 or 1");
    params_.batch_major = layout == 1;
    if (const ir::Attribute* c = attr("clip")) {
      params_.has_clip = true;
      params_.clip = c->f;
      if (!(params_.clip > 0.f)) return error("clip must be positive");
    }
    if constexpr (kCell == Cell::kGru) {
      params_.linear_before_reset = opset_ >= 3 && attr_int("linear_before_reset", 0) != 0;
    }
    if constexpr (kCell == Cell::kLstm) params_.input_forget = attr_int("input_forget", 0) != 0;
    return parse_activations();
  }

  Status infer(InferContext& ctx) override {
    LACUNA_RETURN_IF_ERROR(ctx.expect_input(kX, {DType::kFloat32, DType::kFloat64}));
    const DType t = ctx.dtype(kX);
    for (int i : {kW, kR}) LACUNA_RETURN_IF_ERROR(ctx.expect_input(i, {t}));
    const Shape& x = ctx.shape(kX);
    if (x.size() != 3) return ctx.bad_input("X must have rank 3, not " + shape_to_string(x));
    const int64_t seq = params_.batch_major ? x[1] : x[0];
    const int64_t batch = params_.batch_major ? x[0] : x[1];
    const int64_t nd = params_.num_directions();
    const int64_t rows = num_gates(kCell) * hidden_;
    LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kW, {nd, rows, x[2]}, "W"));
    LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kR, {nd, rows, hidden_}, "R"));
    if (ctx.has_input(kB)) LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kB, {nd, 2 * rows}, "B"));
    if (ctx.has_input(kSeqLens)) {
      LACUNA_RETURN_IF_ERROR(ctx.expect_input(kSeqLens, {DType::kInt32}));
      LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kSeqLens, {batch}, "sequence_lens"));
    }
    const Shape state = params_.batch_major ? Shape{batch, nd, hidden_} : Shape{nd, batch, hidden_};
    if (ctx.has_input(kInitialH)) LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kInitialH, state, "initial_h"));
    if constexpr (kCell == Cell::kLstm) {
      if (ctx.has_input(kInitialC)) LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kInitialC, state, "initial_c"));
      if (ctx.has_input(kPeepholes))
        LACUNA_RETURN_IF_ERROR(expect_shape(ctx, kPeepholes, {nd, 3 * hidden_}, "P"));
    } else if (ctx.num_inputs() > kInitialH + 1) {
      return ctx.error("has too many inputs");
    }
    const int max_outputs = kCell == Cell::kLstm ? 3 : 2;
    if (ctx.num_outputs() > max_outputs) return ctx.error("has too many outputs");
    const Shape y = params_.batch_major ? Shape{batch, seq, nd, hidden_} : Shape{seq, nd, batch, hidden_};
    LACUNA_RETURN_IF_ERROR(checked_numel(y).status().with_context(node_));
    if (ctx.num_outputs() > kY) ctx.set_output(kY, t, y);
    if (ctx.num_outputs() > kYh) ctx.set_output(kYh, t, state);
    if (ctx.num_outputs() > kYc) ctx.set_output(kYc, t, state);
    params_.seq_length = seq;
    params_.batch = batch;
    params_.input_size = x[2];
    return Status::ok();
  }

  Status run(RunContext& ctx) override {
    if (ctx.has_input(kSeqLens)) {
      const Tensor& sl = ctx.input(kSeqLens);
      for (int64_t b = 0; b < sl.numel(); ++b) {
        const int32_t v = sl.data<int32_t>()[b];
        if (v < 0 || v > params_.seq_length) {
          return ctx.error("sequence_lens[" + std::to_string(b) + "] = " + std::to_string(v) +
                           " is outside [0, " + std::to_string(params_.seq_length) + "]");
        }
      }
    }
    if (ctx.input(kX).dtype() == DType::kFloat64) return run_typed<double>(ctx);
    return run_typed<float>(ctx);
  }

 private:
  Status expect_shape(const InferContext& ctx, int i, const Shape& want, const char* what) const {
    if (ctx.inputs[static_cast<size_t>(i)].kind != ValueKind::kTensor) {
      return ctx.bad_input(std::string(what) + " must be a tensor");
    }
    if (i != kSeqLens && ctx.dtype(i) != ctx.dtype(kX)) {
      return ctx.bad_input(std::string(what) + " must have the dtype of X");
    }
    if (ctx.shape(i) != want) {
      return ctx.bad_input(std::string(what) + " has shape " + shape_to_string(ctx.shape(i)) + "; expected " +
                           shape_to_string(want));
    }
    return Status::ok();
  }

  // Activation names per direction; alpha/beta values are consumed, in order, only by the
  // functions that take them.
  Status parse_activations() {
    const int nf = num_functions(kCell);
    const int nd = params_.num_directions();
    std::vector<std::string> names;
    if (const ir::Attribute* a = attr("activations")) names = a->strings;
    if (names.empty()) {
      static const char* kDefaults[] = {"Sigmoid", "Tanh", "Tanh"};
      for (int d = 0; d < nd; ++d) {
        for (int f = 0; f < nf; ++f) names.push_back(kCell == Cell::kRnn ? "Tanh" : kDefaults[f]);
      }
    } else if (static_cast<int>(names.size()) == nf && nd == 2) {
      names.insert(names.end(), names.begin(), names.end());  // same functions both ways
    }
    if (static_cast<int>(names.size()) != nf * nd) {
      return error("activations must list " + std::to_string(nf * nd) + " functions, not " +
                   std::to_string(names.size()));
    }
    const std::vector<float> alphas = attr_floats("activation_alpha");
    const std::vector<float> betas = attr_floats("activation_beta");
    size_t ai = 0, bi = 0;
    for (const std::string& n : names) {
      const ActivationInfo* info = find_activation(n);
      if (!info) return error("unknown activation function '" + n + "'");
      ref::ActivationFn fn{info->kind, info->alpha, info->beta};
      if (info->takes_alpha && ai < alphas.size()) fn.alpha = alphas[ai++];
      if (info->takes_beta && bi < betas.size()) fn.beta = betas[bi++];
      params_.activations.push_back(fn);
    }
    return Status::ok();
  }

  template <class T>
  Status run_typed(RunContext& ctx) {
    auto in = [&](int i) -> const T* { return ctx.has_input(i) ? ctx.input(i).template data<T>() : nullptr; };
    auto out = [&](int i) -> T* { return ctx.has_output(i) ? ctx.output(i).template data<T>() : nullptr; };
    ref::RecurrentBuffers<T> buf;
    buf.x = in(kX);
    buf.w = in(kW);
    buf.r = in(kR);
    buf.b = in(kB);
    buf.seq_lens = ctx.has_input(kSeqLens) ? ctx.input(kSeqLens).data<int32_t>() : nullptr;
    buf.initial_h = in(kInitialH);
    buf.y = out(kY);
    buf.y_h = out(kYh);
    if constexpr (kCell == Cell::kLstm) {
      buf.initial_c = in(kInitialC);
      buf.p = in(kPeepholes);
      buf.y_c = out(kYc);
      ref::lstm_forward(params_, buf);
    } else if constexpr (kCell == Cell::kGru) {
      ref::gru_forward(params_, buf);
    } else {
      ref::rnn_forward(params_, buf);
    }
    return Status::ok();
  }

  int64_t hidden_ = 0;
  ref::RecurrentParams params_;
};

}  // namespace

void register_rnn_ops(Registry& r) {
  r.add("", "RNN", make_impl<RecurrentKernel<Cell::kRnn>>("rnn_ref"));
  r.add("", "GRU", make_impl<RecurrentKernel<Cell::kGru>>("gru_ref"));
  r.add("", "LSTM", make_impl<RecurrentKernel<Cell::kLstm>>("lstm_ref"));
}

}  // namespace lacuna::ops
