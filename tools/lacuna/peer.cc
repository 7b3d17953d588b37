// Child processes for peer engines and for `lacuna compare`.
#include "peer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace lacuna::cli {

std::string peers_dir() {
  if (const char* d = std::getenv("LACUNA_PEERS_DIR")) return d;
  return std::string(LACUNA_SOURCE_DIR) + "/benchmarks/peers";
}

Status run_child(const std::vector<std::string>& argv, bool quiet) {
  std::vector<char*> args;
  for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return io_error("fork failed");
  if (pid == 0) {
    if (quiet) {
      const int devnull = open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    }
    execvp(args[0], args.data());
    std::fprintf(stderr, "lacuna: error: cannot run '%s': %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return io_error("'" + argv[0] + (argv.size() > 1 ? " " + argv[1] : std::string()) + "' failed (exit " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return Status::ok();
}

Status run_onnxruntime_peer(const PeerRun& r, bool quiet) {
  const std::string dir = peers_dir();
  struct stat st {};
  if (stat((dir + "/node_modules/onnxruntime-node").c_str(), &st) != 0) {
    return unsupported("ONNX Runtime peer not installed: run `npm ci --ignore-scripts` in " + dir);
  }
  std::vector<std::string> argv = {"node",
                                   dir + "/ort_bench.js",
                                   r.model,
                                   "--batch",
                                   std::to_string(r.batch),
                                   "--threads",
                                   std::to_string(r.threads),
                                   "--scenario",
                                   r.scenario,
                                   "--streams",
                                   std::to_string(r.streams),
                                   "--time",
                                   std::to_string(r.seconds),
                                   "--warmup",
                                   std::to_string(r.warmup)};
  if (!r.input_shapes.empty()) {
    argv.push_back("--input-shapes");
    argv.push_back(r.input_shapes);
  }
  if (!r.json.empty()) {
    argv.push_back("--json");
    argv.push_back(r.json);
  }
  return run_child(argv, quiet);
}

}  // namespace lacuna::cli
