// `lacuna generate OUT.onnx`: writes a synthetic pruned network with Lacuna's ONNX writer.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "commands.h"
#include "synthetic.h"

namespace lacuna::cli {

void add_generate_command(CLI::App& app, int* rc) {
  auto spec = std::make_shared<SyntheticSpec>();
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("generate", "write a synthetic pruned network (ResNet- or MobileNet-style CNN, MLP or BERT-style transformer) as ONNX");
  cmd->add_option("output", *out, "the .onnx file to write")->required();
  cmd->add_option("--kind", spec->kind, "resnet, mobilenet, mlp or transformer")
      ->check(CLI::IsMember({"resnet", "mobilenet", "mlp", "transformer"}));
  cmd->add_option("--sparsity", spec->sparsity, "fraction of zero weights in prunable layers")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--size", spec->image_size, "input image size (resnet)");
  cmd->add_option("--width", spec->width, "channels of the first stage");
  cmd->add_option("--seq-len", spec->seq_len, "tokens per sequence (transformer)");
  cmd->add_option("--seed", spec->seed, "random seed");
  cmd->callback([spec, out, rc] {
    Status s = write_synthetic_model(*spec, *out);
    if (!s.is_ok()) {
      *rc = fail(s.message());
      return;
    }
    std::printf("wrote %s (%s, sparsity %.2f)\n", out->c_str(), spec->kind.c_str(), spec->sparsity);
    *rc = 0;
  });
}

}  // namespace lacuna::cli
