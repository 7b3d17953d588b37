// Runs ONNX Runtime (the npm package onnxruntime-node, installed in benchmarks/peers with
// `npm ci --ignore-scripts`) as a child process with the same benchmark settings.
#pragma once

#include <string>
#include <vector>

#include "lacuna/status.h"

namespace lacuna::cli {

struct PeerRun {
  std::string model;
  int batch = 1;
  std::string input_shapes;
  int threads = 0;
  std::string scenario = "sync";
  int streams = 0;
  double seconds = 10;
  double warmup = 2;
  std::string json;  // where the peer writes its JSON result ("" = nowhere)
};

// The folder holding ort_bench.js and node_modules (LACUNA_PEERS_DIR overrides).
std::string peers_dir();
Status run_onnxruntime_peer(const PeerRun& run, bool quiet);
// Runs `argv` (argv[0] is the program, found on PATH); stdout is discarded when quiet.
Status run_child(const std::vector<std::string>& argv, bool quiet);

}  // namespace lacuna::cli
