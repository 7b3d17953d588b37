// The benchmark runner behind `lacuna benchmark` and `lacuna demo`: sync (one request at a
// time) and async (N concurrent streams sharing the cores) scenarios, with latency statistics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lacuna/session.h"

namespace lacuna::cli {

struct BenchConfig {
  int batch = 1;                            // replaces the first (batch) dimension
  std::map<std::string, Shape> shapes;      // explicit input shapes win over batch
  int num_cores = 0;                        // 0 = all
  std::string scenario = "sync";            // sync | async
  int num_streams = 0;                      // async: 0 = num_cores
  double seconds = 10;
  double warmup_seconds = 2;
  int min_iterations = 1;
};

struct LatencyStats {
  double mean = 0, median = 0, std = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, min = 0, max = 0;
};
LatencyStats latency_stats(std::vector<double> ms);

struct BenchResult {
  std::string engine = "lacuna";
  std::string model;
  int batch_size = 1;
  std::map<std::string, Shape> input_shapes;
  int num_cores = 1;
  std::string scenario;
  int num_streams = 1;
  double items_per_sec = 0;
  int64_t iterations = 0;
  double seconds_ran = 0;
  LatencyStats latency_ms;  // per batch
  double peak_rss_mb = 0;
  double compile_seconds = 0;
};

// Shapes for every input: explicit ones, else the declared dims with the first dim set to
// `batch` and other symbolic dims errors.
Expected<std::map<std::string, Shape>> resolve_shapes(const std::vector<IoInfo>& inputs,
                                                      const std::map<std::string, Shape>& explicit_shapes,
                                                      int batch);

Expected<BenchResult> run_benchmark(const std::string& model, const BenchConfig& config,
                                    const Options& options);

double peak_rss_mb();
std::string result_to_json(const BenchResult& r);
void print_result(const BenchResult& r);

}  // namespace lacuna::cli
