// Each subcommand registers itself on the app; its callback stores the exit code in *rc.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace lacuna::cli {

void add_run_command(CLI::App& app, int* rc);
void add_check_command(CLI::App& app, int* rc);
void add_conformance_command(CLI::App& app, int* rc);
void add_info_command(CLI::App& app, int* rc);
void add_generate_command(CLI::App& app, int* rc);
void add_demo_command(CLI::App& app, int* rc);
void add_analyze_command(CLI::App& app, int* rc);
void add_benchmark_command(CLI::App& app, int* rc);
void add_compare_command(CLI::App& app, int* rc);

// Prints "lacuna: error: <message>" to stderr and returns the exit code for it.
int fail(const std::string& message);

}  // namespace lacuna::cli
