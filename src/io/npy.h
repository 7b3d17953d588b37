// NumPy .npy files (format versions 1-3, little-endian, C order) <-> tensors.
#pragma once

#include <string>

#include "lacuna/status.h"
#include "lacuna/tensor.h"

namespace lacuna::io {

Expected<Tensor> read_npy(const std::string& path);
Expected<Tensor> parse_npy(const std::string& bytes, const std::string& what);
std::string serialize_npy(const Tensor& t);
Status write_npy(const Tensor& t, const std::string& path);

}  // namespace lacuna::io
