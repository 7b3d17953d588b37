// Whole-file reads and atomic writes (a failed write never leaves a partial file behind).
#pragma once

#include <string>

#include "lacuna/status.h"

namespace lacuna {

Expected<std::string> read_file(const std::string& path);
// Writes to "<path>.tmp.<pid>" and renames it over `path`.
Status write_file_atomic(const std::string& path, const std::string& bytes);
std::string dirname_of(const std::string& path);
std::string basename_of(const std::string& path);

}  // namespace lacuna
