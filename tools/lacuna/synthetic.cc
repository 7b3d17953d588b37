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
    x = b_.op("GlobalAveragePool", {x});
    ir::Attributes fa;
    fa["axis"] = Attribute::of_int(1);
    x = b_.op("Flatten", {x}, fa);
    ValueId fw = b_.constant("fc.weight", weight({1000, ch}, ch, false));
    ValueId fb = b_.constant("fc.bias", vec(1000, 0.f, 0.01f));
    ir::Attributes ga;
    ga["transB"] = Attribute::of_int(1);
    ValueId logits = b_.op("Gemm", {x, fw, fb}, ga, "fc");
    b_.output(logits, "logits", DType::kFloat32, {{-1, "batch"}, {1000, ""}});
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
};

}  // namespace

Status write_synthetic_model(const SyntheticSpec& spec, const std::string& path) {
  if (spec.sparsity < 0 || spec.sparsity > 1) return invalid_argument("sparsity must be in [0, 1]");
  if (spec.image_size < 8 || spec.image_size > 4096) return invalid_argument("image size must be in [8, 4096]");
  if (spec.width < 4 || spec.width > 1024 || spec.width % 2) return invalid_argument("width must be even, in [4, 1024]");
  Generator gen(spec);
  ir::Graph g;
  if (spec.kind == "resnet") g = gen.resnet();
  else if (spec.kind == "mlp") g = gen.mlp();
  else return invalid_argument("unknown synthetic model kind '" + spec.kind + "' (resnet or mlp)");
  return onnx_io::export_model(g, path);
}

}  // namespace lacuna::cli
