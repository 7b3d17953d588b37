// Test helpers: build single nodes, run them through the reference or optimized kernels, make
// random tensors, and compare results.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "lacuna/tensor.h"

namespace lacuna::test {

// A node of `op` reading inputs "x0".."xN-1" (empty names = omitted) and writing n_out outputs.
ir::Node make_node(const std::string& op, int n_in, int n_out, ir::Attributes attrs = {},
                   const std::string& domain = "");

// Runs the node's reference kernel (or, when reference_only is false, the first implementation
// that accepts the inputs). Fails the test on error and returns the outputs.
std::vector<Tensor> run_op(const ir::Node& node, const std::vector<Tensor>& inputs,
                           int64_t opset = 17, bool reference_only = true, int threads = 1,
                           std::string* impl_used = nullptr, const std::string& sparse_policy = "auto");
// Same, but returns the error status instead of failing.
Status try_run_op(const ir::Node& node, const std::vector<Tensor>& inputs, int64_t opset = 17,
                  std::vector<Tensor>* outputs = nullptr);

// Runs `node` with the reference kernel and with the optimized implementation `impl` (which
// must be the one chosen) at every ISA tier the CPU has and with 1 and 2 threads, and expects
// the outputs to agree within rtol/atol.
void expect_fast_matches_reference(const ir::Node& node, const std::vector<Tensor>& inputs,
                                   const std::string& impl, double rtol = 1e-4, double atol = 1e-4,
                                   int64_t opset = 17, const std::string& sparse_policy = "auto");

Tensor random_tensor(DType dtype, const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0);

// A directory of its own under the system temp directory, removed with its files when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& file) const { return dir_ + "/" + file; }

 private:
  std::string dir_;
};

// Writes `g` as an ONNX file in `dir` and returns its path (fails the test if it can not).
std::string write_model(const TempDir& dir, const ir::Graph& g, const std::string& file = "m.onnx");
// Zeroes a fraction `sparsity` of the elements (exactly round(sparsity * n), chosen at random).
Tensor sparsify(const Tensor& t, double sparsity, uint64_t seed);

// Expects equal shapes/dtypes and |a - b| <= atol + rtol * |b| elementwise.
void expect_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-5,
                  double atol = 1e-6, const std::string& what = "");
void expect_equal(const Tensor& actual, const Tensor& expected, const std::string& what = "");

std::string shared_dir();   // ../shared
std::string onnx_testdata_dir();
std::string bench_models_dir();  // "" when not configured
std::string lacuna_binary();
std::string source_dir();
bool path_exists(const std::string& p);
// Runs a shell command; returns its exit code and captures stdout+stderr.
int run_command(const std::string& cmd, std::string* output);

}  // namespace lacuna::test
