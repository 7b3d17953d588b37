// Verbose log to stderr.
#include "core/log.h"

#include <cstdio>
#include <cstdlib>

namespace lacuna {

int verbose_level() {
  static const int level = [] {
    const char* v = std::getenv("LACUNA_VERBOSE");
    return v ? std::atoi(v) : 0;
  }();
  return level;
}

void log_verbose(int level, const std::string& message) {
  if (verbose_level() >= level) std::fprintf(stderr, "[lacuna] %s\n", message.c_str());
}

}  // namespace lacuna
