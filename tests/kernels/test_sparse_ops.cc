// The sparse Conv / FusedConv and MatMul / Gemm / FusedGemm implementations against the reference
// kernels, over sparsity 0, 50, 70, 90, 95, 99 and 100 %, random and 4x1-block patterns, strides,
// groups, remainders and fused epilogues, at every ISA tier; and the dense path on the same
// pruned weights (sparse and dense agree within rtol 1e-4).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

// Zeroes a fraction of w; with block4, whole runs of 4 along the last axis.
Tensor prune(const Tensor& w, double sparsity, bool block4, uint64_t seed) {
  Tensor out = w.clone();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  float* p = out.data<float>();
  const int64_t n = out.numel();
  for (int64_t i = 0; i < n; i += block4 ? 4 : 1) {
    if (u(rng) < sparsity) {
      for (int64_t j = i; j < std::min<int64_t>(n, i + (block4 ? 4 : 1)); ++j) p[j] = 0.f;
    }
  }
  return out;
}

const double kSparsities[] = {0.0, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0};

// The sparse implementation `impl` against the reference kernel (every ISA tier, 1 and 2
// threads), and against the dense path on the same pruned weights with `threads` workers.
void expect_sparse_matches(const ir::Node& node, const std::vector<Tensor>& inputs, const std::string& impl,
                           int threads = 2) {
  test::expect_fast_matches_reference(node, inputs, impl, 1e-4, 1e-4, 17, "sparse");
  auto sparse = test::run_op(node, inputs, 17, false, threads, nullptr, "sparse");
  auto dense = test::run_op(node, inputs, 17, false, threads, nullptr, "dense");
  ASSERT_EQ(sparse.size(), dense.size());
  test::expect_close(sparse[0], dense[0], 1e-4, 1e-5, "sparse vs dense");
}

TEST(SparseOps, ConvMatchesReferenceAndDense) {
  struct Case {
    Shape x, w;
    int64_t stride, pad, dil, group;
  };
  const std::vector<Case> cases = {
      {{1, 16, 14, 14}, {24, 16, 3, 3}, 1, 1, 1, 1},  {{2, 8, 15, 13}, {20, 8, 1, 1}, 1, 0, 1, 1},
      {{1, 16, 15, 15}, {32, 16, 3, 3}, 2, 1, 1, 1},  {{1, 12, 9, 9}, {12, 4, 3, 3}, 1, 2, 2, 3},
      {{1, 8, 8, 8}, {16, 8, 1, 1}, 2, 0, 1, 1},      {{1, 4, 30, 40}, {5, 4, 5, 5}, 1, 2, 1, 1},
  };
  int seed = 1;
  for (const Case& c : cases) {
    for (double sp : kSparsities) {
      for (bool block4 : {false, true}) {
        ir::Attributes a;
        a["strides"] = Attribute::of_ints({c.stride, c.stride});
        a["pads"] = Attribute::of_ints({c.pad, c.pad, c.pad, c.pad});
        a["dilations"] = Attribute::of_ints({c.dil, c.dil});
        a["group"] = Attribute::of_int(c.group);
        a["activation"] = Attribute::of_string("relu");
        const Tensor x = test::random_tensor(DType::kFloat32, c.x, ++seed);
        const Tensor w = prune(test::random_tensor(DType::kFloat32, c.w, seed + 1), sp, block4, seed + 2); seed += 2;
        const Tensor b = test::random_tensor(DType::kFloat32, {c.w[0]}, ++seed);
        const ir::Node node = test::make_node("FusedConv", 3, 1, a, "lacuna");
        SCOPED_TRACE("conv " + shape_to_string(c.w) + " sparsity " + std::to_string(sp) + (block4 ? " 4x1" : ""));
        if (sp == 0.0) continue;  // no zeros: the sparse kernel declines even when forced
        expect_sparse_matches(node, {x, w, b}, "conv_sparse", 1);
      }
    }
  }
}

// The JIT's variants: residual and activation fused in place (pointwise), an activation it can
// not fuse (raw sums, then the epilogue), K-chunked deep inputs, K-chunked 3x3 windows, batches
// and groups; strided pointwise convolutions (their phase plane is the output grid, so the code
// writes Y with the whole epilogue, K-chunked when deep) and a 5x5 stride-2 window whose pads
// reach two columns into the phase planes.
TEST(SparseOps, ConvEpiloguesAndChunks) {
  struct Case {
    Shape x, w;
    int64_t stride, pad, group;
  };
  const std::vector<Case> cases = {
      {{2, 24, 7, 9}, {40, 24, 1, 1}, 1, 0, 1},    {{1, 800, 5, 5}, {24, 800, 1, 1}, 1, 0, 1},
      {{1, 64, 20, 20}, {16, 64, 3, 3}, 1, 1, 1},  {{2, 48, 19, 19}, {32, 24, 3, 3}, 2, 1, 2},
      {{2, 40, 23, 29}, {24, 40, 1, 1}, 2, 0, 1},  {{1, 600, 9, 9}, {16, 600, 1, 1}, 2, 0, 1},
      {{1, 6, 17, 19}, {8, 6, 5, 5}, 2, 2, 1},
  };
  int seed = 100;
  for (const Case& c : cases) {
    for (const char* act : {"relu", "sigmoid", "none"}) {
      for (bool residual : {false, true}) {
        ir::Attributes a;
        a["strides"] = Attribute::of_ints({c.stride, c.stride});
        a["pads"] = Attribute::of_ints({c.pad, c.pad, c.pad, c.pad});
        a["group"] = Attribute::of_int(c.group);
        a["activation"] = Attribute::of_string(act);
        const Tensor x = test::random_tensor(DType::kFloat32, c.x, ++seed);
        const Tensor w = prune(test::random_tensor(DType::kFloat32, c.w, seed + 1), 0.9, false, seed + 2); seed += 2;
        const Tensor b = test::random_tensor(DType::kFloat32, {c.w[0]}, ++seed);
        const int64_t oh = (c.x[2] + 2 * c.pad - c.w[2]) / c.stride + 1, ow = (c.x[3] + 2 * c.pad - c.w[3]) / c.stride + 1;
        std::vector<Tensor> inputs = {x, w, b};
        if (residual) inputs.push_back(test::random_tensor(DType::kFloat32, {c.x[0], c.w[0], oh, ow}, ++seed));
        const ir::Node node = test::make_node("FusedConv", static_cast<int>(inputs.size()), 1, a, "lacuna");
        SCOPED_TRACE("conv " + shape_to_string(c.w) + " " + act + (residual ? " residual" : ""));
        expect_sparse_matches(node, inputs, "conv_sparse");
      }
    }
  }
}

// Batch 1 on several workers: pixel ranges (pointwise with a large input, 3x3 windows), row
// blocks (pointwise with a small input and many rows), and pixel ranges that would not balance
// (49 pixels: chunks of 16, 16, 16 and 1); a 3x3 window on a 7x7 plane.
TEST(SparseOps, ConvWorkSplitsAtBatchOne) {
  struct Case {
    Shape x, w;
    int64_t pad;
  };
  const std::vector<Case> cases = {
      {{1, 64, 28, 28}, {32, 64, 1, 1}, 0},
      {{1, 256, 7, 7}, {512, 256, 1, 1}, 0},
      {{1, 64, 14, 14}, {64, 64, 3, 3}, 1},
      {{1, 512, 7, 7}, {64, 512, 1, 1}, 0},
      {{1, 96, 7, 7}, {64, 96, 3, 3}, 1},  // one 63-column grid: the generic kernel, not the JIT
  };
  int seed = 300;
  for (const Case& c : cases) {
    for (int threads : {2, 3}) {
      ir::Attributes a;
      a["pads"] = Attribute::of_ints({c.pad, c.pad, c.pad, c.pad});
      a["activation"] = Attribute::of_string("relu");
      const Tensor x = test::random_tensor(DType::kFloat32, c.x, ++seed);
      const Tensor w = prune(test::random_tensor(DType::kFloat32, c.w, seed + 1), 0.9, false, seed + 2);
      seed += 2;
      const Tensor b = test::random_tensor(DType::kFloat32, {c.w[0]}, ++seed);
      const Tensor z = test::random_tensor(DType::kFloat32, {1, c.w[0], c.x[2], c.x[3]}, ++seed);
      const ir::Node node = test::make_node("FusedConv", 4, 1, a, "lacuna");
      SCOPED_TRACE("conv " + shape_to_string(c.w) + " threads " + std::to_string(threads));
      expect_sparse_matches(node, {x, w, b, z}, "conv_sparse", threads);
    }
  }
}

TEST(SparseOps, GemmMatchesReferenceAndDense) {
  int seed = 100;
  for (double sp : kSparsities) {
    if (sp == 0.0) continue;
    for (bool block4 : {false, true}) {
      SCOPED_TRACE("sparsity " + std::to_string(sp) + (block4 ? " 4x1" : ""));
      // MatMul with [K x N] weights, batched activations, ragged token count.
      const Tensor x = test::random_tensor(DType::kFloat32, {2, 37, 48}, ++seed);
      const Tensor w = prune(test::random_tensor(DType::kFloat32, {48, 70}, seed + 1), sp, block4, seed + 2); seed += 2;
      test::expect_fast_matches_reference(test::make_node("MatMul", 2, 1), {x, w}, "gemm_sparse", 1e-4, 1e-4, 17, "sparse");
      // FusedGemm with transB weights, bias, residual, GELU.
      ir::Attributes a;
      a["transB"] = Attribute::of_int(1);
      a["activation"] = Attribute::of_string("gelu");
      const Tensor wt = prune(test::random_tensor(DType::kFloat32, {33, 48}, seed + 1), sp, block4, seed + 2); seed += 2;
      const Tensor b = test::random_tensor(DType::kFloat32, {33}, ++seed);
      const Tensor z = test::random_tensor(DType::kFloat32, {2, 37, 33}, ++seed);
      const ir::Node fg = test::make_node("FusedGemm", 4, 1, a, "lacuna");
      expect_sparse_matches(fg, {x, wt, b, z}, "gemm_sparse");
    }
  }
}

// Long K (several K-chunks of the JIT, the last one partial) and enough non-zeros that the
// row blocks run in many chunks, each K-chunk over every tile (37 tokens: a partial tile):
// partial sums wait in scratch between K-chunks; 150 tokens (more than one group of 128) run
// tile by tile. Bias, residual and ReLU fused.
TEST(SparseOps, GemmManyKChunksAndBlockChunks) {
  int seed = 500;
  for (auto [sp, tokens] : std::vector<std::pair<double, int64_t>>{{0.5, 37}, {0.9, 37}, {0.9, 150}}) {
    SCOPED_TRACE("sparsity " + std::to_string(sp) + " tokens " + std::to_string(tokens));
    const Tensor x = test::random_tensor(DType::kFloat32, {1, tokens, 1000}, ++seed);
    seed += 2;
    const Tensor w = test::sparsify(test::random_tensor(DType::kFloat32, {130, 1000}, seed - 1), sp, seed);
    const Tensor b = test::random_tensor(DType::kFloat32, {130}, ++seed);
    const Tensor z = test::random_tensor(DType::kFloat32, {1, tokens, 130}, ++seed);
    ir::Attributes a;
    a["transB"] = Attribute::of_int(1);
    a["activation"] = Attribute::of_string("relu");
    const ir::Node fg = test::make_node("FusedGemm", 4, 1, a, "lacuna");
    expect_sparse_matches(fg, {x, w, b, z}, "gemm_sparse");
  }
}

// A few rows of activations (batch-1 classifiers) take the sparse GEMV kernel: Gemm on [1, K],
// MatMul on [3, K] and FusedGemm with residual and GELU on [1, 2, K].
TEST(SparseOps, FewTokensMatchReferenceAndDense) {
  int seed = 700;
  for (double sp : kSparsities) {
    if (sp == 0.0) continue;
    SCOPED_TRACE("sparsity " + std::to_string(sp));
    ir::Attributes tb;
    tb["transB"] = Attribute::of_int(1);
    seed += 2;
    const Tensor w = prune(test::random_tensor(DType::kFloat32, {45, 300}, seed - 1), sp, false, seed);
    const Tensor c = test::random_tensor(DType::kFloat32, {45}, ++seed);
    const Tensor x1 = test::random_tensor(DType::kFloat32, {1, 300}, ++seed);
    test::expect_fast_matches_reference(test::make_node("Gemm", 3, 1, tb), {x1, w, c}, "gemm_sparse", 1e-4, 1e-4, 17, "sparse");
    seed += 2;
    const Tensor wk = prune(test::random_tensor(DType::kFloat32, {300, 45}, seed - 1), sp, true, seed);
    const Tensor x3 = test::random_tensor(DType::kFloat32, {3, 300}, ++seed);
    test::expect_fast_matches_reference(test::make_node("MatMul", 2, 1), {x3, wk}, "gemm_sparse", 1e-4, 1e-4, 17, "sparse");
    ir::Attributes a = tb;
    a["activation"] = Attribute::of_string("gelu");
    const Tensor x12 = test::random_tensor(DType::kFloat32, {1, 2, 300}, ++seed);
    const Tensor z = test::random_tensor(DType::kFloat32, {1, 2, 45}, ++seed);
    const ir::Node fg = test::make_node("FusedGemm", 4, 1, a, "lacuna");
    expect_sparse_matches(fg, {x12, w, c, z}, "gemm_sparse");
  }
}

TEST(SparseOps, AutoPolicyPicksByCost) {
  const Tensor x = test::random_tensor(DType::kFloat32, {1, 128, 256}, 1);
  const Tensor w = test::random_tensor(DType::kFloat32, {256, 256}, 2);
  std::string impl;
  test::run_op(test::make_node("MatMul", 2, 1), {x, prune(w, 0.95, false, 3)}, 17, false, 1, &impl, "auto");
  EXPECT_EQ(impl, "gemm_sparse");
  test::run_op(test::make_node("MatMul", 2, 1), {x, prune(w, 0.2, false, 3)}, 17, false, 1, &impl, "auto");
  EXPECT_EQ(impl, "gemm_fast");
  test::run_op(test::make_node("MatMul", 2, 1), {x, prune(w, 0.95, false, 3)}, 17, false, 1, &impl, "dense");
  EXPECT_EQ(impl, "gemm_fast");
}

}  // namespace
}  // namespace lacuna
