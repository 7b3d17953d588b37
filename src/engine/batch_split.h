// Batch splitting: a batch of N independent samples can run as N batch-1 runs of the same network
// when no op mixes samples. Run one sample at a time, a CNN's activations stay in the caches
// (the tensor-column idea along the batch): at batch 16 that is what keeps a layer's output in L2
// instead of streaming it through DRAM between layers.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace lacuna::engine {

// N (>= 2) when every graph input is a tensor whose first dimension is N and every node computes
// each sample independently (an allowlist of ops, with their axis conditions); 0 otherwise.
// `g` must have its shapes inferred and its constants folded, and not be optimized yet.
int64_t separable_batch(const ir::Graph& g);

// Whether splitting is worth it by the cost model: batch-1 runs lose the weight reuse that big
// fully-connected layers get from a batch (VGG's classifier), so graphs with a constant
// Gemm/MatMul weight above `max_weight_bytes` keep the whole batch.
bool split_pays_off(const ir::Graph& g, int64_t max_weight_bytes);

}  // namespace lacuna::engine
