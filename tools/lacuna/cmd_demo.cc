// `lacuna demo`: the README's default job. Generates a dense and a pruned synthetic network,
// checks the engine's outputs against the reference kernels, and benchmarks both.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "bench.h"
#include "commands.h"
#include "common.h"
#include "synthetic.h"

namespace lacuna::cli {

namespace {

struct DemoArgs {
  std::string dir = "lacuna-demo";
  double sparsity = 0.9;
  double seconds = 3;
  int threads = 0;
  int batch = 1;
};

// Runs the model with the optimized engine and with the reference kernels; compares.
Expected<Comparison> verify(const std::string& model, int threads) {
  Options fast;
  fast.num_threads = threads;
  Options ref = fast;
  ref.reference_only = true;
  auto a = Session::load(model, fast);
  if (!a) return a.status();
  auto b = Session::load(model, ref);
  if (!b) return b.status();
  LACUNA_ASSIGN_OR_RETURN(auto shapes, resolve_shapes((*a)->inputs(), {}, 1));
  LACUNA_ASSIGN_OR_RETURN(auto inputs, random_inputs((*a)->inputs(), shapes, 1, 7));
  LACUNA_ASSIGN_OR_RETURN(auto ya, (*a)->run(inputs));
  LACUNA_ASSIGN_OR_RETURN(auto yb, (*b)->run(inputs));
  return compare_tensors(ya[0], yb[0], 1e-3, 1e-4);
}

int demo_command(const DemoArgs& a) {
  std::error_code ec;
  std::filesystem::create_directories(a.dir, ec);
  if (ec) return fail("cannot create '" + a.dir + "': " + ec.message());
  SyntheticSpec spec;
  const std::string dense = a.dir + "/resnet-dense.onnx";
  const std::string pruned = a.dir + "/resnet-p" + std::to_string(static_cast<int>(a.sparsity * 100 + 0.5)) + ".onnx";
  spec.sparsity = 0;
  Status s = write_synthetic_model(spec, dense);
  if (s.is_ok()) {
    spec.sparsity = a.sparsity;
    s = write_synthetic_model(spec, pruned);
  }
  if (!s.is_ok()) return fail(s.message());
  std::printf("generated %s and %s (ResNet-style CNN, input 1x3x%lldx%lld)\n", dense.c_str(), pruned.c_str(),
              static_cast<long long>(spec.image_size), static_cast<long long>(spec.image_size));

  bool ok = true;
  for (const auto& m : {dense, pruned}) {
    auto c = verify(m, a.threads);
    if (!c) return fail(c.status().message());
    std::printf("check %-36s vs reference kernels: max abs err %.2e, max rel err %.2e: %s\n", m.c_str(),
                c->max_abs, c->max_rel, c->pass ? "PASS" : "FAIL");
    ok = ok && c->pass;
  }

  BenchConfig cfg;
  cfg.batch = a.batch;
  cfg.num_cores = a.threads;
  cfg.seconds = a.seconds;
  cfg.warmup_seconds = std::min(1.0, a.seconds / 3);
  Options opts;
  double medians[2] = {0, 0};
  int k = 0;
  for (const auto& m : {dense, pruned}) {
    auto r = run_benchmark(m, cfg, opts);
    if (!r) return fail(r.status().message());
    std::printf("benchmark %-32s batch %d, %d core(s): median %.3f ms, %.1f items/s\n", m.c_str(), r->batch_size,
                r->num_cores, r->latency_ms.median, r->items_per_sec);
    medians[k++] = r->latency_ms.median;
  }
  std::printf("pruned vs dense speedup: %.2fx\n", medians[0] / std::max(medians[1], 1e-9));
  return ok ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "generate a synthetic pruned network, verify it and benchmark it");
  cmd->add_option("--dir", a->dir, "where to write the generated models");
  cmd->add_option("--sparsity", a->sparsity, "sparsity of the pruned model")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("-t,--time", a->seconds, "benchmark seconds per model");
  cmd->add_option("--threads,--ncores", a->threads, "threads (0 = all CPUs)");
  cmd->add_option("-b,--batch-size", a->batch, "batch size");
  cmd->callback([a, rc] { *rc = demo_command(*a); });
}

}  // namespace lacuna::cli
