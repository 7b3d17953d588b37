// `lacuna compare MODEL`: Lacuna and ONNX Runtime on the same model, batch and threads,
// interleaved in rounds (alternating which goes first), each in its own process so that peak
// RSS is per engine. Prints per-round medians and the ratio ORT median / Lacuna median.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "core/file_util.h"
#include "peer.h"

namespace lacuna::cli {

namespace {

struct CompareArgs {
  std::string model;
  int batch = 1;
  std::string scenario = "sync";
  int streams = 0;
  double seconds = 5;
  double warmup = 1;
  int rounds = 3;
  std::string json;
  EngineFlags flags;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

Expected<nlohmann::json> read_json(const std::string& path) {
  LACUNA_ASSIGN_OR_RETURN(std::string text, read_file(path));
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return io_error("bad JSON in " + path + ": " + e.what());
  }
}

int compare_command(const CompareArgs& a) {
  const std::string tmp = "/tmp/lacuna-compare-" + std::to_string(getpid());
  std::vector<double> lac, ort, lac_rss, ort_rss, lac_ips, ort_ips;
  for (int round = 0; round < a.rounds; ++round) {
    const std::string lj = tmp + "-lacuna.json", oj = tmp + "-ort.json";
    std::vector<std::string> self = {"/proc/self/exe", "benchmark", a.model, "-b", std::to_string(a.batch),
                                     "--threads", std::to_string(a.flags.threads), "-s", a.scenario,
                                     "--nstreams", std::to_string(a.streams), "-t", std::to_string(a.seconds),
                                     "-w", std::to_string(a.warmup), "-x", lj, "--sparse", a.flags.sparse,
                                     "--batch-split", a.flags.batch_split};
    if (!a.flags.input_shapes.empty()) {
      self.push_back("--input-shapes");
      self.push_back(a.flags.input_shapes);
    }
    if (a.flags.pin) self.push_back("--pin");
    if (!a.flags.max_isa.empty()) {
      self.push_back("--max-isa");
      self.push_back(a.flags.max_isa);
    }
    for (const auto& p : a.flags.disable_pass) {
      self.push_back("--disable-pass");
      self.push_back(p);
    }
    PeerRun peer{a.model, a.batch, a.flags.input_shapes, a.flags.threads, a.scenario, a.streams, a.seconds, a.warmup, oj};
    // Alternate the order so neither engine always runs on a warmer (or hotter) machine.
    for (int k = 0; k < 2; ++k) {
      const bool lacuna_turn = (k == 0) == (round % 2 == 0);
      Status s = lacuna_turn ? run_child(self, true) : run_onnxruntime_peer(peer, true);
      if (!s.is_ok()) return fail(s.message());
    }
    auto lr = read_json(lj);
    auto orr = read_json(oj);
    if (!lr) return fail(lr.status().message());
    if (!orr) return fail(orr.status().message());
    lac.push_back((*lr)["latency_ms"]["median"].get<double>());
    ort.push_back((*orr)["latency_ms"]["median"].get<double>());
    lac_rss.push_back((*lr)["peak_rss_mb"].get<double>());
    ort_rss.push_back((*orr)["peak_rss_mb"].get<double>());
    lac_ips.push_back((*lr)["items_per_sec"].get<double>());
    ort_ips.push_back((*orr)["items_per_sec"].get<double>());
    std::printf("round %d: lacuna median %.3f ms, onnxruntime median %.3f ms, ratio %.2f\n", round + 1, lac.back(),
                ort.back(), ort.back() / lac.back());
    std::fflush(stdout);
    std::remove(lj.c_str());
    std::remove(oj.c_str());
  }
  const double ml = median(lac), mo = median(ort);
  const double rss_l = *std::max_element(lac_rss.begin(), lac_rss.end());
  const double rss_o = *std::max_element(ort_rss.begin(), ort_rss.end());
  std::printf("\nmodel %s, batch %d, %s, %d thread(s), %d round(s) of %.0f s\n", a.model.c_str(), a.batch,
              a.scenario.c_str(), a.flags.threads, a.rounds, a.seconds);
  std::printf("%-12s %14s %14s %12s\n", "engine", "median ms", "items/s", "peak RSS MB");
  std::printf("%-12s %14.3f %14.2f %12.1f\n", "lacuna", ml, median(lac_ips), rss_l);
  std::printf("%-12s %14.3f %14.2f %12.1f\n", "onnxruntime", mo, median(ort_ips), rss_o);
  std::printf("ratio (onnxruntime median / lacuna median): %.2f\n", mo / ml);
  if (!a.json.empty()) {
    nlohmann::json j = {{"model", a.model}, {"batch_size", a.batch}, {"scenario", a.scenario},
                        {"num_cores", a.flags.threads}, {"rounds", a.rounds},
                        {"lacuna", {{"median_ms", ml}, {"round_medians_ms", lac}, {"items_per_sec", median(lac_ips)}, {"peak_rss_mb", rss_l}}},
                        {"onnxruntime", {{"median_ms", mo}, {"round_medians_ms", ort}, {"items_per_sec", median(ort_ips)}, {"peak_rss_mb", rss_o}}},
                        {"ratio", mo / ml}};
    Status w = write_file_atomic(a.json, j.dump(2) + "\n");
    if (!w.is_ok()) return fail(w.message());
  }
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "benchmark Lacuna and ONNX Runtime interleaved; print the ratio");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("-b,--batch-size", a->batch, "batch size")->check(CLI::PositiveNumber);
  cmd->add_option("-s,--scenario", a->scenario, "sync or async")->check(CLI::IsMember({"sync", "async"}));
  cmd->add_option("--nstreams,--num-streams", a->streams, "async streams");
  cmd->add_option("-t,--time", a->seconds, "seconds per engine per round")->check(CLI::PositiveNumber);
  cmd->add_option("-w,--warmup-time", a->warmup, "warm-up seconds per run");
  cmd->add_option("--rounds", a->rounds, "interleaved rounds")->check(CLI::PositiveNumber);
  cmd->add_option("-x,--export", a->json, "write the comparison as JSON");
  a->flags.add_to(cmd);
  cmd->callback([a, rc] { *rc = compare_command(*a); });
}

}  // namespace lacuna::cli
