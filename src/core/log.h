// Debug logging, switched on by LACUNA_VERBOSE=1 (or 2 for more).
#pragma once

#include <string>

namespace lacuna {

int verbose_level();
void log_verbose(int level, const std::string& message);

}  // namespace lacuna
