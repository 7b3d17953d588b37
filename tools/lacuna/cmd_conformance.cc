// `lacuna conformance ROOT`: runs every ONNX backend test folder under ROOT (model.onnx plus
// test_data_set_*), one line per test, then "N passed, N failed[, N skipped]". Each test runs in
// a child process with a time limit, so one crash or hang cannot take the whole run down.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "checker.h"
#include "commands.h"
#include "core/file_util.h"

namespace fs = std::filesystem;

namespace lacuna::cli {

namespace {

struct ConformanceArgs {
  std::string root;
  std::string filter;
  std::string report;
  std::string skip_file;
  double rtol = 1e-3;
  double atol = 1e-7;
  int timeout_s = 120;
  int min_pass = -1;
  bool no_fork = false;
  EngineFlags flags;
};

struct Outcome {
  std::string verdict;  // PASS FAIL UNSUPPORTED ERROR
  std::string message;
};

Outcome evaluate(const std::string& dir, const Options& opts, double rtol, double atol) {
  const ModelCheck mc = check_model(dir + "/model.onnx", dir, opts, rtol, atol);
  switch (mc.verdict) {
    case ModelCheck::Verdict::kPass: return {"PASS", ""};
    case ModelCheck::Verdict::kUnsupported: return {"UNSUPPORTED", mc.message};
    case ModelCheck::Verdict::kError: return {"ERROR", mc.message};
    case ModelCheck::Verdict::kFail: break;
  }
  std::string msg;
  for (const auto& d : mc.sets) {
    for (const auto& o : d.outputs) {
      if (o.cmp.pass) continue;
      char buf[256];
      std::snprintf(buf, sizeof buf, "output '%s': %s%s%lld mismatches, max abs %.3g, max rel %.3g",
                    o.name.c_str(), o.cmp.note.c_str(), o.cmp.note.empty() ? "" : "; ",
                    static_cast<long long>(o.cmp.mismatches), o.cmp.max_abs, o.cmp.max_rel);
      if (msg.empty()) msg = buf;
    }
  }
  return {"FAIL", msg};
}

Outcome evaluate_isolated(const std::string& dir, const Options& opts, double rtol, double atol,
                          int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) return {"ERROR", "pipe() failed"};
  const pid_t pid = fork();
  if (pid < 0) return {"ERROR", "fork() failed"};
  if (pid == 0) {
    close(fds[0]);
    const Outcome o = evaluate(dir, opts, rtol, atol);
    const std::string out = o.verdict + "\n" + o.message;
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t w = write(fds[1], out.data() + off, out.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return {"ERROR", "timed out after " + std::to_string(timeout_s) + " s"};
  if (WIFSIGNALED(status)) return {"ERROR", std::string("crashed: ") + strsignal(WTERMSIG(status))};
  const auto nl = data.find('\n');
  if (nl == std::string::npos) return {"ERROR", "the test process exited without a result"};
  return {data.substr(0, nl), data.substr(nl + 1)};
}

// "test_name  reason..." per line; '#' starts a comment line. Every skip needs a reason.
Expected<std::map<std::string, std::string>> read_skips(const std::string& path) {
  std::map<std::string, std::string> skips;
  if (path.empty()) return skips;
  LACUNA_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const auto end = line.find_first_of(" \t", start);
    const std::string name = line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string reason = end == std::string::npos ? "" : line.substr(end);
    reason.erase(0, reason.find_first_not_of(" \t"));
    if (reason.empty()) {
      return invalid_argument(path + ":" + std::to_string(lineno) + ": skipped test '" + name + "' needs a reason");
    }
    skips[name] = reason;
  }
  return skips;
}

int conformance_command(const ConformanceArgs& a) {
  Options opts;
  Status s = a.flags.to_options(&opts);
  if (!s.is_ok()) return fail(s.message());
  if (opts.num_threads == 0) opts.num_threads = 1;
  auto skips = read_skips(a.skip_file);
  if (!skips) return fail(skips.status().message());
  std::regex filter;
  try {
    filter = std::regex(a.filter.empty() ? ".*" : a.filter);
  } catch (const std::regex_error& e) {
    return fail("bad --filter regex '" + a.filter + "': " + e.what());
  }
  std::error_code ec;
  if (!fs::is_directory(a.root, ec)) return fail("'" + a.root + "' is not a folder");
  std::vector<std::string> dirs;
  for (const auto& e : fs::recursive_directory_iterator(a.root, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "model.onnx") && !test_data_sets(e.path().string()).empty()) {
      dirs.push_back(e.path().string());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  int passed = 0, failed = 0, skipped = 0;
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& dir : dirs) {
    const std::string name = fs::path(dir).filename().string();
    if (!std::regex_search(name, filter)) continue;
    Outcome o;
    auto sk = skips->find(name);
    if (sk != skips->end()) {
      o = {"SKIP", sk->second};
      ++skipped;
    } else {
      o = a.no_fork ? evaluate(dir, opts, a.rtol, a.atol) : evaluate_isolated(dir, opts, a.rtol, a.atol, a.timeout_s);
      (o.verdict == "PASS" ? passed : failed) += 1;
    }
    std::printf("%-11s %s%s%s\n", o.verdict.c_str(), name.c_str(), o.message.empty() ? "" : ": ", o.message.c_str());
    std::fflush(stdout);
    tests.push_back({{"name", name}, {"verdict", o.verdict}, {"message", o.message}});
  }
  if (skipped) std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  else std::printf("%d passed, %d failed\n", passed, failed);
  if (!a.report.empty()) {
    nlohmann::json report = {{"root", a.root}, {"passed", passed}, {"failed", failed},
                             {"skipped", skipped}, {"tests", tests}};
    Status w = write_file_atomic(a.report, report.dump(1) + "\n");
    if (!w.is_ok()) return fail(w.message());
  }
  if (a.min_pass >= 0) return passed >= a.min_pass ? 0 : 1;
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_conformance_command(CLI::App& app, int* rc) {
  auto a = std::make_shared<ConformanceArgs>();
  CLI::App* cmd = app.add_subcommand("conformance", "run every ONNX backend test folder under ROOT");
  cmd->add_option("root", a->root, "folder of test folders (model.onnx + test_data_set_*)")->required();
  cmd->add_option("--filter", a->filter, "only tests whose name matches this regex");
  cmd->add_option("-x,--report", a->report, "write a JSON report here");
  cmd->add_option("--skip-file", a->skip_file, "tests to skip on purpose: 'name reason' per line");
  cmd->add_option("--rtol", a->rtol, "relative tolerance");
  cmd->add_option("--atol", a->atol, "absolute tolerance");
  cmd->add_option("--timeout", a->timeout_s, "seconds per test");
  cmd->add_option("--min-pass", a->min_pass, "exit 0 iff at least this many tests pass");
  cmd->add_flag("--no-fork", a->no_fork, "run tests in this process (no crash isolation)");
  a->flags.add_to(cmd);
  cmd->callback([a, rc] { *rc = conformance_command(*a); });
}

}  // namespace lacuna::cli
