// CLI helpers.
#include "common.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "core/dispatch.h"
#include "io/npy.h"
#include "onnx/tensor_proto.h"

namespace lacuna::cli {

void EngineFlags::add_to(CLI::App* app, bool with_threads) {
  if (with_threads) {
    app->add_option("--threads,-n,--num-cores,--ncores", threads, "worker threads (0 = all CPUs)")
        ->check(CLI::NonNegativeNumber);
  }
  app->add_flag("--pin", pin, "pin worker threads to cores");
  app->add_flag("--reference", reference, "use only the plain reference kernels");
  app->add_option("--max-isa", max_isa, "cap the ISA: scalar, avx2, avx512, avx512_vnni");
  app->add_option("--sparse", sparse, "sparse kernels: auto, dense or sparse")
      ->check(CLI::IsMember({"auto", "dense", "sparse"}));
  app->add_option("--batch-split", batch_split, "run a batch one sample at a time: auto or off")
      ->check(CLI::IsMember({"auto", "off"}));
  app->add_option("--disable-pass", disable_pass, "skip a graph-optimizer pass (repeatable)");
  app->add_option("--input-shapes,--input_shapes", input_shapes,
                  "fixed input shapes: name=1x3x224x224,... or [1,3,224,224],...");
}

Status EngineFlags::to_options(Options* o) const {
  o->num_threads = threads;
  o->pin_threads = pin;
  o->reference_only = reference;
  o->max_isa = max_isa;
  o->sparse = sparse;
  o->batch_split = batch_split;
  o->disabled_passes = disable_pass;
  return Status::ok();
}

namespace {

Expected<Shape> parse_dims(const std::string& text) {
  Shape s;
  std::string cur;
  auto flush = [&]() -> Status {
    if (cur.empty()) return Status::ok();
    try {
      size_t pos = 0;
      const long long v = std::stoll(cur, &pos);
      if (pos != cur.size() || v < 0) throw std::invalid_argument(cur);
      s.push_back(v);
    } catch (const std::exception&) {
      return invalid_argument("bad dimension '" + cur + "' in input shape '" + text + "'");
    }
    cur.clear();
    return Status::ok();
  };
  for (char c : text) {
    if (c == 'x' || c == ',' || c == ' ' || c == '[' || c == ']') {
      LACUNA_RETURN_IF_ERROR(flush());
    } else {
      cur += c;
    }
  }
  LACUNA_RETURN_IF_ERROR(flush());
  return s;
}

}  // namespace

Expected<std::map<std::string, Shape>> parse_input_shapes_named(const std::string& text) {
  std::map<std::string, Shape> out;
  // name=1x2x3 entries separated by ',' or ';' (a ',' inside [..] belongs to the shape).
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if ((c == ';' || (c == ',' && depth == 0)) && !cur.empty()) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) parts.push_back(cur);
  for (const auto& p : parts) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) return invalid_argument("input shape '" + p + "' is not name=dims");
    LACUNA_ASSIGN_OR_RETURN(Shape s, parse_dims(p.substr(eq + 1)));
    out[p.substr(0, eq)] = s;
  }
  return out;
}

Expected<std::map<std::string, Shape>> parse_input_shapes(const std::string& text,
                                                          const std::vector<IoInfo>& inputs) {
  if (text.empty()) return std::map<std::string, Shape>{};
  if (text.find('=') != std::string::npos) return parse_input_shapes_named(text);
  // Positional: [1,3,224,224],[1,128]  or a single 1x3x224x224
  std::vector<std::string> groups;
  if (text.find('[') != std::string::npos) {
    std::string cur;
    int depth = 0;
    for (char c : text) {
      if (c == '[') {
        ++depth;
        continue;
      }
      if (c == ']') {
        --depth;
        groups.push_back(cur);
        cur.clear();
        continue;
      }
      if (depth > 0) cur += c;
    }
  } else {
    std::stringstream ss(text);
    std::string g;
    while (std::getline(ss, g, ',')) groups.push_back(g);
  }
  if (groups.size() > inputs.size()) {
    return invalid_argument("--input-shapes gives " + std::to_string(groups.size()) +
                            " shapes but the model has " + std::to_string(inputs.size()) + " inputs");
  }
  std::map<std::string, Shape> out;
  for (size_t i = 0; i < groups.size(); ++i) {
    LACUNA_ASSIGN_OR_RETURN(Shape s, parse_dims(groups[i]));
    out[inputs[i].name] = s;
  }
  return out;
}

Expected<Tensor> read_tensor_file(const std::string& path, std::string* name) {
  if (path.size() >= 4 && path.substr(path.size() - 4) == ".npy") return io::read_npy(path);
  return onnx_io::read_tensor_pb(path, name);
}

Expected<std::vector<Tensor>> random_inputs(const std::vector<IoInfo>& inputs,
                                            const std::map<std::string, Shape>& shapes,
                                            int64_t default_dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Tensor> out;
  for (const IoInfo& io : inputs) {
    Shape s;
    auto it = shapes.find(io.name);
    if (it != shapes.end()) {
      s = it->second;
    } else {
      for (size_t d = 0; d < io.dims.size(); ++d) s.push_back(io.dims[d] >= 0 ? io.dims[d] : default_dim);
    }
    auto t = Tensor::create(io.dtype == DType::kUndefined ? DType::kFloat32 : io.dtype, s);
    if (!t) return t.status().with_context("input '" + io.name + "'");
    const bool mask_like = io.name.find("mask") != std::string::npos || io.name.find("type") != std::string::npos;
    const int64_t high = mask_like ? 2 : 1000;
    std::uniform_real_distribution<double> uf(-1.0, 1.0);
    std::uniform_int_distribution<int64_t> ui(0, high - 1);
    visit_numeric(t->dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* p = t->data<T>();
      for (int64_t i = 0; i < t->numel(); ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          p[i] = ui(rng) & 1;
        } else if (is_floating(t->dtype())) {
          p[i] = from_double<T>(uf(rng));
        } else {
          p[i] = from_double<T>(mask_like ? 1.0 : static_cast<double>(ui(rng)));
        }
      }
    });
    out.push_back(std::move(t).value());
  }
  return out;
}

Comparison compare_tensors(const Tensor& a, const Tensor& b, double rtol, double atol) {
  Comparison c;
  if (a.dtype() != b.dtype()) {
    c.pass = false;
    c.note = "dtype " + std::string(dtype_name(a.dtype())) + " != expected " + std::string(dtype_name(b.dtype()));
    return c;
  }
  if (a.shape() != b.shape()) {
    c.pass = false;
    c.note = "shape " + shape_to_string(a.shape()) + " != expected " + shape_to_string(b.shape());
    return c;
  }
  if (a.dtype() == DType::kString) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (a.data<std::string>()[i] != b.data<std::string>()[i]) ++c.mismatches;
    }
    c.pass = c.mismatches == 0;
    return c;
  }
  const auto av = a.to_double_vector();
  const auto bv = b.to_double_vector();
  const bool exact = !is_floating(a.dtype());
  for (size_t i = 0; i < av.size(); ++i) {
    const double x = av[i], y = bv[i];
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) != std::isnan(y)) ++c.mismatches;
      continue;
    }
    if (std::isinf(x) || std::isinf(y)) {
      if (x != y) ++c.mismatches;
      continue;
    }
    const double d = std::abs(x - y);
    c.max_abs = std::max(c.max_abs, d);
    if (y != 0) c.max_rel = std::max(c.max_rel, d / std::abs(y));
    else if (d > 0) c.max_rel = std::max(c.max_rel, d / std::max(atol, 1e-30));
    const bool ok = exact ? d == 0 || d <= atol : d <= atol + rtol * std::abs(y);
    if (!ok) ++c.mismatches;
  }
  c.pass = c.mismatches == 0;
  return c;
}

Comparison compare_values(const Value& a, const Value& b, double rtol, double atol) {
  Comparison c;
  if (a.kind != b.kind) {
    c.pass = false;
    c.note = "value kind differs";
    return c;
  }
  if (a.kind == ValueKind::kOptional) {
    if (a.present != b.present) {
      c.pass = false;
      c.note = a.present ? "optional has a value; expected none" : "optional is empty; expected a value";
      return c;
    }
    if (!a.present) return c;
  }
  const bool seq = a.kind == ValueKind::kSequence || (a.kind == ValueKind::kOptional && b.optional_of_sequence);
  if (!seq) return compare_tensors(a.tensor, b.tensor, rtol, atol);
  if (a.sequence.size() != b.sequence.size()) {
    c.pass = false;
    c.note = "sequence has " + std::to_string(a.sequence.size()) + " items; expected " + std::to_string(b.sequence.size());
    return c;
  }
  for (size_t i = 0; i < a.sequence.size(); ++i) {
    Comparison ci = compare_tensors(a.sequence[i], b.sequence[i], rtol, atol);
    c.max_abs = std::max(c.max_abs, ci.max_abs);
    c.max_rel = std::max(c.max_rel, ci.max_rel);
    c.mismatches += ci.mismatches;
    if (!ci.pass) {
      c.pass = false;
      if (c.note.empty()) c.note = "item " + std::to_string(i) + ": " + ci.note;
    }
  }
  return c;
}

std::string format_shape(const Shape& s) { return shape_to_string(s); }

std::string sanitize_filename(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  if (out.empty() || out == "." || out == "..") out = "output";
  return out;
}

}  // namespace lacuna::cli
