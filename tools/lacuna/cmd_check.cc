// `lacuna check MODEL TESTDIR`: compares a model's outputs with ONNX backend test data.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "checker.h"
#include "commands.h"

namespace lacuna::cli {

namespace {

struct CheckArgs {
  std::string model;
  std::string test_dir;
  double rtol = 1e-3;
  double atol = 1e-5;
  EngineFlags flags;
};

int check_command(const CheckArgs& a) {
  Options opts;
  Status s = a.flags.to_options(&opts);
  if (!s.is_ok()) return fail(s.message());
  const ModelCheck mc = check_model(a.model, a.test_dir.empty() ? std::string(".") : a.test_dir, opts, a.rtol, a.atol);
  if (mc.verdict == ModelCheck::Verdict::kError || mc.verdict == ModelCheck::Verdict::kUnsupported) {
    return fail(mc.message);
  }
  bool all = true;
  for (const DataSetCheck& d : mc.sets) {
    for (const OutputCheck& o : d.outputs) {
      std::printf("%-40s %-24s max_abs %.3e  max_rel %.3e  %s%s%s\n", d.dir.c_str(), o.name.c_str(),
                  o.cmp.max_abs, o.cmp.max_rel, o.cmp.pass ? "PASS" : "FAIL",
                  o.cmp.note.empty() ? "" : "  ", o.cmp.note.c_str());
      all = all && o.cmp.pass;
    }
  }
  std::printf("%s: %s (rtol %g, atol %g)\n", a.model.c_str(), all ? "PASS" : "FAIL", a.rtol, a.atol);
  return all ? 0 : 1;
}

}  // namespace

void add_check_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "compare a model's outputs with test_data_set_N reference data");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("testdir", a->test_dir, "folder holding test_data_set_N (default: the model's folder)");
  cmd->add_option("--rtol", a->rtol, "relative tolerance");
  cmd->add_option("--atol", a->atol, "absolute tolerance");
  a->flags.add_to(cmd);
  cmd->callback([a, rc] {
    if (a->test_dir.empty()) {
      const auto pos = a->model.find_last_of('/');
      a->test_dir = pos == std::string::npos ? "." : a->model.substr(0, pos);
    }
    *rc = check_command(*a);
  });
}

}  // namespace lacuna::cli
