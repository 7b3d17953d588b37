// Synthetic ResNet-style CNN and MLP generators with magnitude pruning.
#include "synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "ir/builder.h"
#include "onnx/export.h"

namespace lacuna::cli {

namespace {

using ir::Attribute;
using ir::ValueId;

class Generator {
 public:
  explicit Generator(const SyntheticSpec& s) : spec_(s), rng_(s.seed), b_(17, "lacuna_" + s.kind) {}

  Tensor weight(const Shape& shape, int64_t fan_in, bool prune) {
    Tensor w(DType::kFloat32, shape);
    std::normal_distribution<float> n(0.f, std::sqrt(2.f / static_cast<float>(fan_in)));
    float* p = w.data<float>();
    for (int64_t i = 0; i < w.numel(); ++i) p[i] = n(rng_);
    if (prune && spec_.sparsity > 0) magnitude_prune(p, w.numel());
    return w;
  }

  Tensor vec(int64_t n, float mean, float stddev) {
    Tensor t(DType::kFloat32, {n});
    std::normal_distribution<float> d(mean, stddev);
    for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = d(rng_);
    return t;
  }

  void magnitude_prune(float* p, int64_t n) {
    const auto k = static_cast<int64_t>(std::llround(spec_.sparsity * static_cast<double>(n)));
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    std::nth_element(idx.begin(), idx.begin() + k, idx.end(),
                     [&](int64_t a, int64_t b) { return std::abs(p[a]) < std::abs(p[b]); });
    for (int64_t i = 0; i < k; ++i) p[idx[static_cast<size_t>(i)]] = 0.f;
  }

  // Conv (+ BatchNorm, as exporters without folding write it) (+ Relu).
  ValueId conv(ValueId x, int64_t cin, int64_t cout, int64_t k, int64_t stride, bool prune, bool relu,
               bool bn = true) {
    const std::string name = "conv" + std::to_string(layer_++);
    ValueId w = b_.constant(name + ".weight", weight({cout, cin, k, k}, cin * k * k, prune));
    ir::Attributes a;
    a["kernel_shape"] = Attribute::of_ints({k, k});
    a["strides"] = Attribute::of_ints({stride, stride});
    a["pads"] = Attribute::of_ints({k / 2, k / 2, k / 2, k / 2});
    ValueId y;
    if (bn) {
      y = b_.op("Conv", {x, w}, a, name);
      ValueId scale = b_.constant(name + ".bn.scale", vec(cout, 1.f, 0.1f));
      ValueId bias = b_.constant(name + ".bn.bias", vec(cout, 0.f, 0.1f));
      ValueId mean = b_.constant(name + ".bn.mean", vec(cout, 0.f, 0.1f));
      Tensor var = vec(cout, 1.f, 0.1f);
      for (int64_t i = 0; i < cout; ++i) var.data<float>()[i] = std::abs(var.data<float>()[i]) + 0.5f;
      ValueId v = b_.constant(name + ".bn.var", var);
      ir::Attributes ba;
      ba["epsilon"] = Attribute::of_float(1e-5f);
      y = b_.op("BatchNormalization", {y, scale, bias, mean, v}, ba, name + ".bn");
    } else {
      ValueId bias = b_.constant(name + ".bias", vec(cout, 0.f, 0.05f));
      y = b_.op("Conv", {x, w, bias}, a, name);
    }
    return relu ? b_.op("Relu", {y}) : y;
  }

  ir::Graph resnet() {
    const int64_t c = spec_.width;
    ValueId x = b_.input("input", DType::kFloat32, {{-1, "batch"}, {3, ""}, {spec_.image_size, ""}, {spec_.image_size, ""}});
    x = conv(x, 3, c / 2, 3, 2, /*prune=*/false, true);
    x = conv(x, c / 2, c, 3, 1, true, true);
    int64_t ch = c;
    for (int stage = 0; stage < 3; ++stage) {
      if (stage > 0) {  // downsample and widen
        x = conv(x, ch, ch * 2, 3, 2, true, true);
        ch *= 2;
      }
      for (int blk = 0; blk < 2; ++blk) {  // bottleneck: 1x1 reduce, 3x3, 1x1 expand, + skip
        ValueId y = conv(x, ch, ch / 2, 1, 1, true, true);
        y = conv(y, ch / 2, ch / 2, 3, 1, true, true);
        y = conv(y, ch / 2, ch, 1, 1, true, false);
        x = b_.op("Relu", {b_.op("Add", {y, x})});
      }
    }
    b_.output(classifier(x, ch, 1000), "logits", DType::kFloat32, {{-1, "batch"}, {1000, ""}});
    return b_.finish();
  }

  // Global average pooling, flatten and a dense fully-connected layer: [N, ch, H, W] -> [N, classes].
  ValueId classifier(ValueId x, int64_t ch, int64_t classes) {
    x = b_.op("GlobalAveragePool", {x});
    ir::Attributes fa;
    fa["axis"] = Attribute::of_int(1);
    x = b_.op("Flatten", {x}, fa);
    ValueId fw = b_.constant("fc.weight", weight({classes, ch}, ch, false));
    ValueId fb = b_.constant("fc.bias", vec(classes, 0.f, 0.01f));
    ir::Attributes ga;
    ga["transB"] = Attribute::of_int(1);
    return b_.op("Gemm", {x, fw, fb}, ga, "fc");
  }

  // Conv + BatchNorm + optional ReLU6 (Clip); groups == channels makes it depthwise.
  ValueId conv_bn_clip(ValueId x, int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t groups, bool prune,
                       bool clip) {
    const std::string name = "conv" + std::to_string(layer_++);
    ValueId w = b_.constant(name + ".weight", weight({cout, cin / groups, k, k}, cin / groups * k * k, prune));
    ir::Attributes a;
    a["kernel_shape"] = Attribute::of_ints({k, k});
    a["strides"] = Attribute::of_ints({stride, stride});
    a["pads"] = Attribute::of_ints({k / 2, k / 2, k / 2, k / 2});
    a["group"] = Attribute::of_int(groups);
    ValueId y = b_.op("Conv", {x, w}, a, name);
    Tensor var = vec(cout, 1.f, 0.1f);
    for (int64_t i = 0; i < cout; ++i) var.data<float>()[i] = std::abs(var.data<float>()[i]) + 0.5f;
    ValueId scale = b_.constant(name + ".bn.scale", vec(cout, 1.f, 0.1f));
    ValueId bias = b_.constant(name + ".bn.bias", vec(cout, 0.f, 0.1f));
    ValueId mean = b_.constant(name + ".bn.mean", vec(cout, 0.f, 0.1f));
    ValueId v = b_.constant(name + ".bn.var", var);
    y = b_.op("BatchNormalization", {y, scale, bias, mean, v}, {}, name + ".bn");
    if (!clip) return y;
    if (relu6_min_ == ir::kNoValue) {
      relu6_min_ = b_.constant("relu6.min", Tensor::scalar<float>(0.f));
      relu6_max_ = b_.constant("relu6.max", Tensor::scalar<float>(6.f));
    }
    return b_.op("Clip", {y, relu6_min_, relu6_max_});
  }

  ir::Graph mobilenet() {
    const int64_t c = spec_.width;
    ValueId x = b_.input("input", DType::kFloat32, {{-1, "batch"}, {3, ""}, {spec_.image_size, ""}, {spec_.image_size, ""}});
    x = conv_bn_clip(x, 3, c, 3, 2, 1, /*prune=*/false, true);
    ir::Attributes pa;
    pa["kernel_shape"] = Attribute::of_ints({3, 3});
    pa["strides"] = Attribute::of_ints({2, 2});
    pa["pads"] = Attribute::of_ints({1, 1, 1, 1});
    x = b_.op("MaxPool", {x}, pa);
    int64_t ch = c;
    // Inverted residual blocks: 1x1 expand (x4), 3x3 depthwise, 1x1 project (+ skip when shapes allow).
    for (int blk = 0; blk < 4; ++blk) {
      const int64_t stride = blk == 2 ? 2 : 1;
      const int64_t out = blk == 2 ? ch * 2 : ch;
      const int64_t hidden = ch * 4;
      ValueId y = conv_bn_clip(x, ch, hidden, 1, 1, 1, true, true);
      y = conv_bn_clip(y, hidden, hidden, 3, stride, hidden, false, true);
      y = conv_bn_clip(y, hidden, out, 1, 1, 1, true, false);
      x = stride == 1 && out == ch ? b_.op("Add", {y, x}) : y;
      ch = out;
    }
    b_.output(b_.op("Softmax", {classifier(x, ch, 100)}), "probabilities", DType::kFloat32,
              {{-1, "batch"}, {100, ""}});
    return b_.finish();
  }

  ValueId int64s(const std::string& name, const std::vector<int64_t>& v) {
    return b_.constant(name, Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v));
  }

  // x @ W + b with W [in, out] (as PyTorch exports nn.Linear).
  ValueId linear(ValueId x, int64_t in, int64_t out, const std::string& name, bool prune) {
    ValueId w = b_.constant(name + ".weight", weight({in, out}, in, prune));
    ValueId b = b_.constant(name + ".bias", vec(out, 0.f, 0.02f));
    return b_.op("Add", {b_.op("MatMul", {x, w}, {}, name), b});
  }

  ValueId layer_norm(ValueId x, int64_t e, const std::string& name) {
    ValueId g = b_.constant(name + ".gamma", vec(e, 1.f, 0.05f));
    ValueId b = b_.constant(name + ".beta", vec(e, 0.f, 0.05f));
    ir::Attributes a;
    a["axis"] = Attribute::of_int(-1);
    a["epsilon"] = Attribute::of_float(1e-12f);
    return b_.op("LayerNormalization", {x, g, b}, a, name);
  }

  ir::Graph transformer() {
    const int64_t e = spec_.width * 4, heads = 4, d = e / heads, s = spec_.seq_len, vocab = 100;
    ValueId ids = b_.input("input_ids", DType::kInt64, {{-1, "batch"}, {s, ""}});
    ValueId mask = b_.input("attention_mask", DType::kInt64, {{-1, "batch"}, {s, ""}});
    std::vector<int64_t> positions(static_cast<size_t>(s));
    std::iota(positions.begin(), positions.end(), 0);
    ValueId word = b_.constant("embeddings.word", weight({vocab, e}, e, false));
    ValueId pos = b_.constant("embeddings.position", weight({s, e}, e, false));
    ValueId pos_ids = b_.constant("embeddings.position_ids", Tensor::from_vector<int64_t>({1, s}, positions));
    ValueId x = b_.op("Add", {b_.op("Gather", {word, ids}), b_.op("Gather", {pos, pos_ids})});
    x = layer_norm(x, e, "embeddings.norm");
    // Additive mask: (1 - mask) * -10000, shaped [B, 1, 1, S].
    ValueId m = b_.op("Unsqueeze", {mask, int64s("mask.axes", {1, 2})});
    ir::Attributes ca;
    ca["to"] = Attribute::of_int(1);  // float
    m = b_.op("Cast", {m}, ca);
    m = b_.op("Sub", {b_.constant("mask.one", Tensor::scalar<float>(1.f)), m});
    m = b_.op("Mul", {m, b_.constant("mask.min", Tensor::scalar<float>(-10000.f))});
    ValueId split = int64s("heads.shape", {0, 0, heads, d});
    ValueId scale = b_.constant("attention.scale", Tensor::scalar<float>(std::sqrt(static_cast<float>(d))));
    ir::Attributes p0213, p0231;
    p0213["perm"] = Attribute::of_ints({0, 2, 1, 3});
    p0231["perm"] = Attribute::of_ints({0, 2, 3, 1});
    for (int l = 0; l < 2; ++l) {
      const std::string n = "layer" + std::to_string(l);
      ValueId q = b_.op("Transpose", {b_.op("Reshape", {linear(x, e, e, n + ".query", true), split})}, p0213);
      ValueId k = b_.op("Transpose", {b_.op("Reshape", {linear(x, e, e, n + ".key", true), split})}, p0231);
      ValueId v = b_.op("Transpose", {b_.op("Reshape", {linear(x, e, e, n + ".value", true), split})}, p0213);
      ValueId scores = b_.op("Add", {b_.op("Div", {b_.op("MatMul", {q, k}), scale}), m});
      ir::Attributes sa;
      sa["axis"] = Attribute::of_int(-1);
      ValueId ctx = b_.op("MatMul", {b_.op("Softmax", {scores}, sa), v});
      ctx = b_.op("Transpose", {ctx}, p0213);
      // The merged shape as exporters compute it: [Shape(x)[0], Shape(x)[1], E].
      ValueId shape = b_.op("Shape", {x});
      ValueId axes0 = int64s(n + ".axes0", {0});
      ValueId b0 = b_.op("Unsqueeze", {b_.op("Gather", {shape, b_.constant(n + ".i0", Tensor::scalar<int64_t>(0))}), axes0});
      ValueId b1 = b_.op("Unsqueeze", {b_.op("Gather", {shape, b_.constant(n + ".i1", Tensor::scalar<int64_t>(1))}), axes0});
      ir::Attributes cat;
      cat["axis"] = Attribute::of_int(0);
      ValueId merged = b_.op("Concat", {b0, b1, int64s(n + ".e", {e})}, cat);
      ctx = b_.op("Reshape", {ctx, merged});
      x = layer_norm(b_.op("Add", {linear(ctx, e, e, n + ".output", true), x}), e, n + ".attention_norm");
      // Feed-forward with the erf GELU: 0.5 * h * (1 + erf(h / sqrt(2))).
      ValueId h = linear(x, e, 4 * e, n + ".intermediate", true);
      ValueId g = b_.op("Erf", {b_.op("Div", {h, b_.constant(n + ".sqrt2", Tensor::scalar<float>(std::sqrt(2.f)))})});
      g = b_.op("Add", {g, b_.constant(n + ".one", Tensor::scalar<float>(1.f))});
      g = b_.op("Mul", {b_.op("Mul", {h, g}), b_.constant(n + ".half", Tensor::scalar<float>(0.5f))});
      x = layer_norm(b_.op("Add", {linear(g, 4 * e, e, n + ".ffn_output", true), x}), e, n + ".ffn_norm");
    }
    // Pooler on the first token, then the classifier.
    ir::Attributes ga;
    ga["axis"] = Attribute::of_int(1);
    ValueId first = b_.op("Gather", {x, b_.constant("pooler.index", Tensor::scalar<int64_t>(0))}, ga);
    ir::Attributes tb;
    tb["transB"] = Attribute::of_int(1);
    ValueId pooled = b_.op("Tanh", {b_.op("Gemm", {first, b_.constant("pooler.weight", weight({e, e}, e, true)),
                                                    b_.constant("pooler.bias", vec(e, 0.f, 0.02f))}, tb, "pooler")});
    ValueId logits = b_.op("Gemm", {pooled, b_.constant("classifier.weight", weight({2, e}, e, false)),
                                     b_.constant("classifier.bias", vec(2, 0.f, 0.02f))}, tb, "classifier");
    b_.output(logits, "logits", DType::kFloat32, {{-1, "batch"}, {2, ""}});
    return b_.finish();
  }

  ir::Graph mlp() {
    const int64_t h = spec_.width * 8;
    ValueId x = b_.input("input", DType::kFloat32, {{-1, "batch"}, {h, ""}});
    for (int i = 0; i < 4; ++i) {
      const std::string name = "fc" + std::to_string(i);
      ValueId w = b_.constant(name + ".weight", weight({h, h * 4}, h, true));
      ValueId b = b_.constant(name + ".bias", vec(h * 4, 0.f, 0.02f));
      ValueId y = b_.op("Add", {b_.op("MatMul", {x, w}, {}, name), b});
      y = b_.op("Relu", {y});
      ValueId w2 = b_.constant(name + ".proj.weight", weight({h * 4, h}, h * 4, true));
      x = b_.op("Add", {b_.op("MatMul", {y, w2}, {}, name + ".proj"), x});
    }
    b_.output(x, "output", DType::kFloat32, {{-1, "batch"}, {h, ""}});
    return b_.finish();
  }

 private:
  const SyntheticSpec& spec_;
  std::mt19937 rng_;
  ir::GraphBuilder b_;
  int layer_ = 0;
  ValueId relu6_min_ = ir::kNoValue, relu6_max_ = ir::kNoValue;
};

}  // namespace

Status write_synthetic_model(const SyntheticSpec& spec, const std::string& path) {
  if (spec.sparsity < 0 || spec.sparsity > 1) return invalid_argument("sparsity must be in [0, 1]");
  if (spec.image_size < 8 || spec.image_size > 4096) return invalid_argument("image size must be in [8, 4096]");
  if (spec.width < 4 || spec.width > 1024 || spec.width % 2) return invalid_argument("width must be even, in [4, 1024]");
  if (spec.seq_len < 1 || spec.seq_len > 4096) return invalid_argument("sequence length must be in [1, 4096]");
  Generator gen(spec);
  ir::Graph g;
  if (spec.kind == "resnet") g = gen.resnet();
  else if (spec.kind == "mobilenet") g = gen.mobilenet();
  else if (spec.kind == "mlp") g = gen.mlp();
  else if (spec.kind == "transformer") g = gen.transformer();
  else return invalid_argument("unknown synthetic model kind '" + spec.kind + "' (resnet, mobilenet, mlp or transformer)");
  return onnx_io::export_model(g, path);
}

}  // namespace lacuna::cli
