// Batch splitting: a batch of N independent samples can run as N batch-1 runs of the same network
// when no op mixes samples. Run one sample at a time, a CNN's activations stay in the caches
// (the tensor-column idea along the batch): at batch 16 that is what keeps a layer's output in L2
// instead of streaming it through DRAM between layers.
#pragma once

#include <cstdint>
#include <functional>
#include <set>

#include "ir/graph.h"

namespace lacuna::engine {

// N (>= 2) when every graph input is a tensor whose first dimension is N and every node computes
// each sample independently (an allowlist of ops, with their axis conditions); 0 otherwise.
// `g` must have its shapes inferred and its constants folded, and not be optimized yet; `folded`
// lists the values constant folding computed (not initializers): one of them with the batch as
// dimension 0 and the same value for every sample was derived from the input's shape.
int64_t separable_batch(const ir::Graph& g, const std::set<ir::ValueId>& folded = {});

// Whether a Conv, Gemm or MatMul with constant weights will run on a sparse kernel.
using RunsSparse = std::function<bool(const ir::Graph&, const ir::Node&)>;

// Whether splitting is worth it by the cost model. Batch-1 runs lose the weight reuse a batch
// gives dense layers: a big fully-connected layer (VGG's classifier: a constant Gemm/MatMul
// weight above `max_weight_bytes`) and dense convolutions (the blocked kernels reuse each weight
// over the batch's pixels; measured on dense ResNet-50, batch 16, 1 thread: 800-880 ms whole
// against 925-1060 ms split) keep the batch; sparse layers gain from it (resnet50-p90: 308-323 ms
// split against 395-420 ms whole). So: split when at least half of the multiply-adds of those
// layers run sparse.
bool split_pays_off(const ir::Graph& g, int64_t max_weight_bytes, const RunsSparse& runs_sparse);

// Whether a batch may run in parts side by side, one per thread (each part a batch of its own,
// so dense layers keep their weight reuse): not when a huge linear weight runs sparse, since each
// part streams it again (vgg16-p90 at batch 16 on 2 threads: 778 ms in two parts of 8 against
// 661 ms whole; dense VGG-16 1727 against 1754).
bool parts_pay_off(const ir::Graph& g, int64_t max_weight_bytes, const RunsSparse& runs_sparse);

}  // namespace lacuna::engine
