// `lacuna benchmark MODEL`: latency/throughput in the spirit of deepsparse.benchmark, for Lacuna
// or (with --engine onnxruntime) for ONNX Runtime through the npm peer in benchmarks/peers.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "bench.h"
#include "commands.h"
#include "common.h"
#include "core/file_util.h"
#include "peer.h"

namespace lacuna::cli {

namespace {

struct BenchArgs {
  std::string model;
  int batch = 1;
  std::string scenario = "sync";
  int streams = 0;
  double seconds = 10;
  double warmup = 2;
  std::string json;
  std::string engine = "lacuna";
  EngineFlags flags;
};

int benchmark_command(const BenchArgs& a) {
  BenchConfig cfg;
  cfg.batch = a.batch;
  cfg.num_cores = a.flags.threads;
  cfg.scenario = a.scenario;
  cfg.num_streams = a.streams;
  cfg.seconds = a.seconds;
  cfg.warmup_seconds = a.warmup;
  if (a.engine == "onnxruntime") {
    PeerRun run{a.model, a.batch, a.flags.input_shapes, a.flags.threads, a.scenario, a.streams, a.seconds, a.warmup, a.json};
    Status s = run_onnxruntime_peer(run, /*quiet=*/false);
    return s.is_ok() ? 0 : fail(s.message());
  }
  Options opts;
  Status s = a.flags.to_options(&opts);
  if (!s.is_ok()) return fail(s.message());
  if (!a.flags.input_shapes.empty()) {
    auto named = parse_input_shapes_named(a.flags.input_shapes.find('=') != std::string::npos ? a.flags.input_shapes : "");
    if (a.flags.input_shapes.find('=') != std::string::npos) {
      if (!named) return fail(named.status().message());
      cfg.shapes = *named;
    } else {
      // Positional shapes need the model's input names.
      auto probe = Session::load(a.model, opts);
      if (!probe) return fail(probe.status().message());
      auto pos = parse_input_shapes(a.flags.input_shapes, (*probe)->inputs());
      if (!pos) return fail(pos.status().message());
      cfg.shapes = *pos;
    }
  }
  auto r = run_benchmark(a.model, cfg, opts);
  if (!r) return fail(r.status().message());
  print_result(*r);
  if (!a.json.empty()) {
    Status w = write_file_atomic(a.json, result_to_json(*r) + "\n");
    if (!w.is_ok()) return fail(w.message());
  }
  return 0;
}

}  // namespace

void add_benchmark_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("benchmark", "measure latency and throughput (Lacuna or ONNX Runtime)");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("-b,--batch-size", a->batch, "batch size (replaces the first input dimension)")->check(CLI::PositiveNumber);
  cmd->add_option("-s,--scenario", a->scenario, "sync: one request at a time; async: concurrent streams")
      ->check(CLI::IsMember({"sync", "async"}));
  cmd->add_option("--nstreams,--num-streams", a->streams, "async streams (default: one per core)");
  cmd->add_option("-t,--time", a->seconds, "seconds to measure")->check(CLI::PositiveNumber);
  cmd->add_option("-w,--warmup-time", a->warmup, "seconds of warm-up")->check(CLI::NonNegativeNumber);
  cmd->add_option("-x,--export", a->json, "write the results as JSON");
  cmd->add_option("--engine", a->engine, "lacuna or onnxruntime")->check(CLI::IsMember({"lacuna", "onnxruntime"}));
  a->flags.add_to(cmd);
  cmd->callback([a, rc] { *rc = benchmark_command(*a); });
}

}  // namespace lacuna::cli
