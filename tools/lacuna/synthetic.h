// Synthetic pruned networks written by Lacuna's own ONNX writer: the README's default job and
// the demo use them, so nothing has to be downloaded.
#pragma once

#include <cstdint>
#include <string>

#include "lacuna/status.h"

namespace lacuna::cli {

struct SyntheticSpec {
  std::string kind = "resnet";  // resnet | mobilenet | mlp | transformer
  double sparsity = 0.9;        // fraction of zeros in every prunable weight
  int64_t image_size = 128;     // CNN input is [N,3,S,S]
  int64_t width = 64;           // channels of the first stage (transformer: hidden size / 4)
  int64_t seq_len = 32;         // transformer input is [N,seq_len] token ids and mask
  uint64_t seed = 42;
};

// Writes the model to `path`. The first conv and the classifier stay dense (as in pruned
// recipes); every other Conv/Gemm/MatMul weight has exactly round(sparsity * n) of its
// smallest-magnitude entries set to zero. `mobilenet` has inverted residual blocks with depthwise
// convolutions, Clip (ReLU6) and a max pool; `transformer` is a two-layer BERT-style encoder
// exported the way PyTorch writes HuggingFace models (embedding Gathers, LayerNormalization,
// head-splitting Reshape/Transpose, Erf GELU, a shape computation, pooler and classifier).
Status write_synthetic_model(const SyntheticSpec& spec, const std::string& path);

}  // namespace lacuna::cli
