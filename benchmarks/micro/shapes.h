// Reads benchmark shapes from the text files in micro/shapes/.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lacuna::bench {

struct ShapeRow {
  std::vector<long> dims;
  std::string name;
};

// Each non-comment line: integers, then a name.
inline std::vector<ShapeRow> read_shapes(const std::string& file, size_t ndims) {
  std::vector<ShapeRow> rows;
  std::ifstream in(std::string(LACUNA_SHAPES_DIR) + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    ShapeRow r;
    for (size_t i = 0; i < ndims; ++i) {
      long v;
      ss >> v;
      r.dims.push_back(v);
    }
    ss >> r.name;
    if (ss) rows.push_back(r);
  }
  return rows;
}

}  // namespace lacuna::bench
