// `lacuna info MODEL`: inputs, outputs, op histogram, parameter count and per-weight sparsity.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include "commands.h"
#include "common.h"
#include "core/dispatch.h"
#include "onnx/import.h"

namespace lacuna::cli {

namespace {

int64_t count_zeros(const Tensor& t) {
  int64_t z = 0;
  visit_numeric(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) z += to_double(p[i]) == 0.0;
  });
  return z;
}

void print_io(const char* title, const ir::Graph& g, const std::vector<ir::ValueId>& ids) {
  std::printf("%s:\n", title);
  for (ir::ValueId id : ids) {
    const ir::Value& v = g.value(id);
    auto it = g.declared_dims.find(id);
    const std::string dims = it != g.declared_dims.end() ? ir::dims_to_string(it->second) : "[?]";
    std::printf("  %-32s %-8s %s\n", v.name.c_str(), std::string(dtype_name(v.dtype)).c_str(), dims.c_str());
  }
}

int info_command(const std::string& model) {
  onnx_io::ModelInfo mi;
  auto g = onnx_io::import_model(model, &mi);
  if (!g) return fail(g.status().message());
  std::printf("model:     %s\n", model.c_str());
  std::printf("producer:  %s %s (IR version %lld)\n", mi.producer.c_str(), mi.producer_version.c_str(),
              static_cast<long long>(mi.ir_version));
  std::printf("opsets:   ");
  for (const auto& [d, v] : g->opsets) std::printf(" %s:%lld", d.empty() ? "ai.onnx" : d.c_str(), static_cast<long long>(v));
  std::printf("\n");
  print_io("inputs", *g, g->inputs);
  print_io("outputs", *g, g->outputs);

  std::map<std::string, int> hist;
  for (const auto& n : g->nodes) hist[n.domain.empty() ? n.op_type : n.domain + ":" + n.op_type]++;
  std::printf("ops (%zu nodes):\n", g->nodes.size());
  for (const auto& [op, c] : hist) std::printf("  %-32s %d\n", op.c_str(), c);

  // Which initializers are weights of Conv/Gemm/MatMul (input 1), for the sparsity table.
  std::map<ir::ValueId, std::string> weight_of;
  for (const auto& n : g->nodes) {
    static const char* kWeighted[] = {"Conv", "Gemm", "MatMul", "ConvTranspose", "QLinearConv",
                                      "QLinearMatMul", "MatMulInteger", "ConvInteger"};
    for (const char* op : kWeighted) {
      if (n.op_type != op) continue;
      const size_t wi = (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul") ? 3 : 1;
      if (n.has_input(wi) && g->value(n.inputs[wi]).is_constant()) weight_of[n.inputs[wi]] = n.op_type;
      if (n.op_type == "MatMul" && n.has_input(0) && g->value(n.inputs[0]).is_constant())
        weight_of[n.inputs[0]] = n.op_type;
    }
  }
  int64_t params = 0, weight_total = 0, weight_zeros = 0;
  std::printf("weights (Conv/Gemm/MatMul):\n");
  std::printf("  %-40s %-14s %-20s %12s %9s\n", "name", "op", "shape", "nonzeros", "sparsity");
  for (size_t i = 0; i < g->values.size(); ++i) {
    const ir::Value& v = g->values[i];
    if (!v.is_constant() || v.constant.dtype() == DType::kString) continue;
    params += v.constant.numel();
    auto it = weight_of.find(static_cast<ir::ValueId>(i));
    if (it == weight_of.end()) continue;
    const int64_t z = count_zeros(v.constant);
    weight_total += v.constant.numel();
    weight_zeros += z;
    std::printf("  %-40s %-14s %-20s %12lld %8.2f%%\n", v.name.c_str(), it->second.c_str(),
                shape_to_string(v.constant.shape()).c_str(), static_cast<long long>(v.constant.numel() - z),
                v.constant.numel() ? 100.0 * static_cast<double>(z) / static_cast<double>(v.constant.numel()) : 0.0);
  }
  std::printf("parameters: %lld\n", static_cast<long long>(params));
  if (weight_total) {
    std::printf("weight sparsity: %.2f%% (%lld of %lld Conv/Gemm/MatMul weights are zero)\n",
                100.0 * static_cast<double>(weight_zeros) / static_cast<double>(weight_total),
                static_cast<long long>(weight_zeros), static_cast<long long>(weight_total));
  }
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, int* rc) {
  auto model = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "show a model's inputs, outputs, ops, parameters and weight sparsity");
  cmd->add_option("model", *model, "ONNX model")->required();
  cmd->callback([model, rc] { *rc = info_command(*model); });
}

}  // namespace lacuna::cli
