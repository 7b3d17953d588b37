// Benchmark scenarios and statistics.
#include "bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <mutex>
#include <thread>

#include "common.h"
#include "runtime/thread_pool.h"

namespace lacuna::cli {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
}  // namespace

LatencyStats latency_stats(std::vector<double> ms) {
  LatencyStats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    const double pos = p / 100.0 * static_cast<double>(ms.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, ms.size() - 1);
    return ms[lo] + (ms[hi] - ms[lo]) * (pos - static_cast<double>(lo));
  };
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  double var = 0;
  for (double v : ms) var += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(var / static_cast<double>(ms.size()));
  s.median = pct(50);
  s.p90 = pct(90);
  s.p95 = pct(95);
  s.p99 = pct(99);
  s.p999 = pct(99.9);
  s.min = ms.front();
  s.max = ms.back();
  return s;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

Expected<std::map<std::string, Shape>> resolve_shapes(const std::vector<IoInfo>& inputs,
                                                      const std::map<std::string, Shape>& explicit_shapes,
                                                      int batch) {
  std::map<std::string, Shape> out;
  for (const IoInfo& io : inputs) {
    auto it = explicit_shapes.find(io.name);
    if (it != explicit_shapes.end()) {
      out[io.name] = it->second;
      continue;
    }
    if (io.dims.empty() && !io.dim_params.empty()) return invalid_argument("input '" + io.name + "' has no shape");
    Shape s;
    for (size_t d = 0; d < io.dims.size(); ++d) {
      if (d == 0) {
        s.push_back(batch);  // the batch dimension
      } else if (io.dims[d] >= 0) {
        s.push_back(io.dims[d]);
      } else {
        return invalid_argument("input '" + io.name + "' has a symbolic dimension '" + io.dim_params[d] +
                                "'; give its shape with --input-shapes");
      }
    }
    out[io.name] = s;
  }
  return out;
}

Expected<BenchResult> run_benchmark(const std::string& model, const BenchConfig& cfg, const Options& base) {
  BenchResult r;
  r.model = model;
  r.scenario = cfg.scenario;
  const int cores = cfg.num_cores > 0 ? cfg.num_cores : runtime::available_cpus();
  r.num_cores = cores;
  const bool async = cfg.scenario == "async";
  if (!async && cfg.scenario != "sync") return invalid_argument("scenario must be sync or async");
  const int streams = async ? (cfg.num_streams > 0 ? cfg.num_streams : cores) : 1;
  r.num_streams = streams;
  Options opts = base;
  opts.num_threads = std::max(1, cores / streams);

  const auto t_compile = Clock::now();
  auto session = Session::load(model, opts);
  if (!session) return session.status();
  Session& s = **session;
  LACUNA_ASSIGN_OR_RETURN(r.input_shapes, resolve_shapes(s.inputs(), cfg.shapes, cfg.batch));
  r.batch_size = r.input_shapes.empty() ? cfg.batch : static_cast<int>(r.input_shapes.begin()->second.empty() ? 1 : r.input_shapes.begin()->second[0]);
  LACUNA_ASSIGN_OR_RETURN(std::vector<Tensor> inputs, random_inputs(s.inputs(), r.input_shapes, cfg.batch, 1234));
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  LACUNA_RETURN_IF_ERROR(s.prepare(shapes));
  r.compile_seconds = since(t_compile);

  std::vector<std::vector<double>> lat(static_cast<size_t>(streams));
  std::atomic<bool> failed{false};
  Status first_error;
  std::mutex err_mu;
  auto worker = [&](int stream, double warm, double dur) {
    std::vector<Tensor> outs;
    const auto t0 = Clock::now();
    while (since(t0) < warm) {
      Status st = s.run(inputs, &outs);
      if (!st.is_ok()) {
        std::lock_guard<std::mutex> l(err_mu);
        first_error = st;
        failed = true;
        return;
      }
    }
    const auto t1 = Clock::now();
    auto& mine = lat[static_cast<size_t>(stream)];
    while (!failed && (since(t1) < dur || static_cast<int>(mine.size()) < cfg.min_iterations)) {
      const auto a = Clock::now();
      Status st = s.run(inputs, &outs);
      if (!st.is_ok()) {
        std::lock_guard<std::mutex> l(err_mu);
        first_error = st;
        failed = true;
        return;
      }
      mine.push_back(since(a) * 1e3);
    }
  };
  const auto t_run = Clock::now();
  if (streams == 1) {
    worker(0, cfg.warmup_seconds, cfg.seconds);
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < streams; ++i) threads.emplace_back(worker, i, cfg.warmup_seconds, cfg.seconds);
    for (auto& t : threads) t.join();
  }
  const double total = since(t_run) - cfg.warmup_seconds;
  if (failed) return first_error;
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  r.iterations = static_cast<int64_t>(all.size());
  r.seconds_ran = std::max(total, 1e-9);
  r.latency_ms = latency_stats(all);
  r.items_per_sec = static_cast<double>(r.iterations) * r.batch_size / r.seconds_ran;
  r.peak_rss_mb = peak_rss_mb();
  return r;
}

std::string result_to_json(const BenchResult& r) {
  nlohmann::json shapes = nlohmann::json::object();
  for (const auto& [n, s] : r.input_shapes) shapes[n] = s;
  nlohmann::json j = {
      {"engine", r.engine},
      {"model", r.model},
      {"batch_size", r.batch_size},
      {"input_shapes", shapes},
      {"num_cores", r.num_cores},
      {"scenario", r.scenario},
      {"num_streams", r.num_streams},
      {"items_per_sec", r.items_per_sec},
      {"iterations", r.iterations},
      {"seconds_ran", r.seconds_ran},
      {"compile_seconds", r.compile_seconds},
      {"latency_ms",
       {{"mean", r.latency_ms.mean}, {"median", r.latency_ms.median}, {"std", r.latency_ms.std},
        {"p90", r.latency_ms.p90}, {"p95", r.latency_ms.p95}, {"p99", r.latency_ms.p99},
        {"p99.9", r.latency_ms.p999}, {"min", r.latency_ms.min}, {"max", r.latency_ms.max}}},
      {"peak_rss_mb", r.peak_rss_mb},
  };
  return j.dump(2);
}

void print_result(const BenchResult& r) {
  std::printf("engine:        %s\n", r.engine.c_str());
  std::printf("model:         %s\n", r.model.c_str());
  std::printf("batch size:    %d\n", r.batch_size);
  std::printf("input shapes: ");
  for (const auto& [n, s] : r.input_shapes) std::printf(" %s=%s", n.c_str(), shape_to_string(s).c_str());
  std::printf("\nscenario:      %s, %d core(s), %d stream(s)\n", r.scenario.c_str(), r.num_cores, r.num_streams);
  std::printf("throughput:    %.2f items/sec\n", r.items_per_sec);
  std::printf("iterations:    %lld in %.2f s\n", static_cast<long long>(r.iterations), r.seconds_ran);
  std::printf("latency (ms/batch): mean %.3f  median %.3f  std %.3f  p90 %.3f  p95 %.3f  p99 %.3f  p99.9 %.3f\n",
              r.latency_ms.mean, r.latency_ms.median, r.latency_ms.std, r.latency_ms.p90, r.latency_ms.p95,
              r.latency_ms.p99, r.latency_ms.p999);
  std::printf("peak RSS:      %.1f MB\n", r.peak_rss_mb);
}

}  // namespace lacuna::cli
