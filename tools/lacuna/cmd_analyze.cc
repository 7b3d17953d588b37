// `lacuna analyze MODEL`: runs the model a few times with per-step timing and prints the time
// per node and per op type, with GFLOP/s and the share of the machine's measured peak.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "bench.h"
#include "commands.h"
#include "common.h"
#include "peak.h"

namespace lacuna::cli {

namespace {

struct AnalyzeArgs {
  std::string model;
  int batch = 1;
  int iterations = 10;
  int top = 25;
  EngineFlags flags;
};

int analyze_command(const AnalyzeArgs& a) {
  Options opts;
  Status st = a.flags.to_options(&opts);
  if (!st.is_ok()) return fail(st.message());
  opts.profile = true;
  auto session = Session::load(a.model, opts);
  if (!session) return fail(session.status().message());
  Session& s = **session;
  auto explicit_shapes = parse_input_shapes(a.flags.input_shapes, s.inputs());
  if (!explicit_shapes) return fail(explicit_shapes.status().message());
  auto shapes = resolve_shapes(s.inputs(), *explicit_shapes, a.batch);
  if (!shapes) return fail(shapes.status().message());
  auto inputs = random_inputs(s.inputs(), *shapes, a.batch, 1234);
  if (!inputs) return fail(inputs.status().message());
  std::vector<Tensor> outs;
  for (int i = 0; i < a.iterations; ++i) {
    Status r = s.run(*inputs, &outs);
    if (!r.is_ok()) return fail(r.message());
  }
  const int threads = opts.num_threads > 0 ? opts.num_threads : static_cast<int>(std::max(1, runtime_cpus()));
  const double peak = peak_gflops_per_core() * threads;
  auto prof = s.profile();
  double total = 0, total_flops = 0;
  for (const auto& p : prof) {
    total += p.calls ? p.seconds / static_cast<double>(p.calls) : 0;
    total_flops += p.flops;
  }
  std::printf("model %s, %d thread(s), machine peak %.0f GFLOP/s (%.0f per core, measured)\n", a.model.c_str(),
              threads, peak, peak / threads);
  std::printf("total %.3f ms per run over %zu steps, %.2f GFLOP, %.1f GFLOP/s (%.1f%% of peak)\n\n", total * 1e3,
              prof.size(), total_flops / 1e9, total > 0 ? total_flops / total / 1e9 : 0,
              total > 0 ? 100 * total_flops / total / 1e9 / peak : 0);
  std::map<std::string, std::pair<double, double>> by_op;  // seconds, flops
  std::map<std::string, int> count_op;
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < prof.size(); ++i) {
    const auto& p = prof[i];
    const double t = p.calls ? p.seconds / static_cast<double>(p.calls) : 0;
    by_op[p.op_type].first += t;
    by_op[p.op_type].second += p.flops;
    count_op[p.op_type] += 1;
    order.emplace_back(t, i);
  }
  std::printf("%-24s %6s %10s %7s %10s %7s\n", "op type", "nodes", "ms", "share", "GFLOP/s", "%peak");
  std::vector<std::pair<double, std::string>> ops;
  for (const auto& [op, v] : by_op) ops.emplace_back(v.first, op);
  std::sort(ops.rbegin(), ops.rend());
  for (const auto& [t, op] : ops) {
    const double f = by_op[op].second;
    std::printf("%-24s %6d %10.3f %6.1f%% %10.1f %6.1f%%\n", op.c_str(), count_op[op], t * 1e3, 100 * t / total,
                t > 0 && f > 0 ? f / t / 1e9 : 0.0, t > 0 && f > 0 ? 100 * f / t / 1e9 / peak : 0.0);
  }
  std::sort(order.rbegin(), order.rend());
  std::printf("\n%-32s %-14s %9s %9s %7s  %-18s %s\n", "node (slowest first)", "op", "ms", "GFLOP/s", "%peak",
              "output", "implementation");
  for (size_t k = 0; k < order.size() && static_cast<int>(k) < a.top; ++k) {
    const auto& p = prof[order[k].second];
    const double t = order[k].first;
    std::printf("%-32.32s %-14.14s %9.3f %9.1f %6.1f%%  %-18s %s%s%s\n", p.name.c_str(), p.op_type.c_str(), t * 1e3,
                t > 0 && p.flops > 0 ? p.flops / t / 1e9 : 0.0, t > 0 && p.flops > 0 ? 100 * p.flops / t / 1e9 / peak : 0.0,
                shape_to_string(p.output_shape).c_str(), p.impl.c_str(), p.decision.empty() ? "" : ": ",
                p.decision.c_str());
  }
  return 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<AnalyzeArgs>();
  CLI::App* cmd = app.add_subcommand("analyze", "time every node; show GFLOP/s and the implementation chosen per node");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("-b,--batch-size", a->batch, "batch size");
  cmd->add_option("--iterations", a->iterations, "profiled runs");
  cmd->add_option("--top", a->top, "how many of the slowest nodes to list");
  a->flags.add_to(cmd);
  cmd->callback([a, rc] { *rc = analyze_command(*a); });
}

}  // namespace lacuna::cli
