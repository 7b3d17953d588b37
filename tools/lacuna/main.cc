// The `lacuna` command-line tool.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "lacuna/version.h"

namespace lacuna::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "lacuna: error: %s\n", message.c_str());
  return 1;
}

}  // namespace lacuna::cli

int main(int argc, char** argv) {
  CLI::App app{"Lacuna " LACUNA_VERSION_STRING ": a sparsity-aware inference engine for CPUs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", LACUNA_VERSION_STRING);
  int rc = 0;
  lacuna::cli::add_run_command(app, &rc);
  lacuna::cli::add_check_command(app, &rc);
  lacuna::cli::add_conformance_command(app, &rc);
  lacuna::cli::add_info_command(app, &rc);
  lacuna::cli::add_generate_command(app, &rc);
  lacuna::cli::add_demo_command(app, &rc);
  lacuna::cli::add_analyze_command(app, &rc);
  lacuna::cli::add_benchmark_command(app, &rc);
  lacuna::cli::add_compare_command(app, &rc);
  // deepsparse-style single-dash long flags (-ncores, -nstreams) become --ncores, --nstreams.
  std::vector<std::string> args;
  for (int i = argc - 1; i > 0; --i) {
    std::string a = argv[i];
    if (a == "-ncores" || a == "-nstreams") a = "-" + a;
    args.push_back(a);
  }
  try {
    app.parse(std::move(args));
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return rc;
}
