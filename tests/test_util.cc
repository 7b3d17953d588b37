// Test helpers.
#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "core/cpu.h"
#include "core/dispatch.h"
#include "onnx/export.h"
#include "ops/run_kernel.h"

namespace lacuna::test {

ir::Node make_node(const std::string& op, int n_in, int n_out, ir::Attributes attrs,
                   const std::string& domain) {
  ir::Node n;
  n.name = op + "_test";
  n.op_type = op;
  n.domain = domain;
  for (int i = 0; i < n_in; ++i) n.inputs.push_back(i);
  for (int i = 0; i < n_out; ++i) n.outputs.push_back(n_in + i);
  n.attrs = std::move(attrs);
  return n;
}

std::vector<Tensor> run_op(const ir::Node& node, const std::vector<Tensor>& inputs, int64_t opset,
                           bool reference_only, int threads, std::string* impl_used, const std::string& sparse_policy) {
  auto r = ops::run_node(node, opset, inputs, reference_only, threads, impl_used, sparse_policy);
  EXPECT_TRUE(r.has_value()) << r.status().to_string();
  if (!r) return {};
  return std::move(r).value();
}

Status try_run_op(const ir::Node& node, const std::vector<Tensor>& inputs, int64_t opset,
                  std::vector<Tensor>* outputs) {
  auto r = ops::run_node(node, opset, inputs, true, 1);
  if (!r) return r.status();
  if (outputs) *outputs = std::move(r).value();
  return Status::ok();
}

void expect_fast_matches_reference(const ir::Node& node, const std::vector<Tensor>& inputs, const std::string& impl,
                                   double rtol, double atol, int64_t opset, const std::string& sparse_policy) {
  auto want = run_op(node, inputs, opset, /*reference_only=*/true);
  const Isa before = cpu_info().isa;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) > static_cast<int>(cpu_info().hw_isa)) continue;
    set_max_isa(isa);
    for (int threads : {1, 2}) {
      std::string used;
      auto got = run_op(node, inputs, opset, /*reference_only=*/false, threads, &used, sparse_policy);
      EXPECT_EQ(used, impl) << node.describe();
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        expect_close(got[i], want[i], rtol, atol,
                     node.describe() + " output " + std::to_string(i) + " " + isa_name(isa) + " threads " +
                         std::to_string(threads));
      }
    }
  }
  set_max_isa(before);
}

Tensor random_tensor(DType dtype, const Shape& shape, uint64_t seed, double lo, double hi) {
  Tensor t(dtype, shape);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  visit_numeric(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double v = u(rng);
      if (!is_floating(dtype)) v = std::floor(v);
      p[i] = from_double<T>(v);
    }
  });
  return t;
}

Tensor sparsify(const Tensor& t, double sparsity, uint64_t seed) {
  Tensor out = t.clone();
  const int64_t n = out.numel();
  const auto k = static_cast<int64_t>(std::llround(sparsity * static_cast<double>(n)));
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  const size_t es = dtype_size(out.dtype());
  for (int64_t i = 0; i < k; ++i) {
    std::memset(static_cast<uint8_t*>(out.raw()) + idx[static_cast<size_t>(i)] * static_cast<int64_t>(es), 0, es);
  }
  return out;
}

void expect_close(const Tensor& a, const Tensor& b, double rtol, double atol, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what << ": " << shape_to_string(a.shape()) << " vs "
                                  << shape_to_string(b.shape());
  const auto av = a.to_double_vector();
  const auto bv = b.to_double_vector();
  int64_t bad = 0;
  for (size_t i = 0; i < av.size(); ++i) {
    if (std::isnan(av[i]) && std::isnan(bv[i])) continue;
    if (std::isinf(bv[i]) && av[i] == bv[i]) continue;
    if (!(std::abs(av[i] - bv[i]) <= atol + rtol * std::abs(bv[i]))) {
      if (bad < 5) {
        ADD_FAILURE() << what << ": element " << i << " is " << av[i] << ", expected " << bv[i];
      }
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << av.size() << " elements differ";
}

void expect_equal(const Tensor& a, const Tensor& b, const std::string& what) {
  expect_close(a, b, 0.0, 0.0, what);
}

std::string shared_dir() { return LACUNA_SHARED_DIR; }
std::string onnx_testdata_dir() { return LACUNA_ONNX_TESTDATA; }
std::string bench_models_dir() { return LACUNA_BENCH_MODELS; }
std::string lacuna_binary() { return LACUNA_BINARY; }
std::string source_dir() { return LACUNA_SOURCE_DIR; }

bool path_exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

int run_command(const std::string& cmd, std::string* output) {
  std::array<char, 4096> buf{};
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return -1;
  std::string out;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  const int status = pclose(f);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TempDir::TempDir(const std::string& tag)
    : dir_((std::filesystem::temp_directory_path() / ("lacuna_" + tag + "_" + std::to_string(getpid()))).string()) {
  std::filesystem::create_directories(dir_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string write_model(const TempDir& dir, const ir::Graph& g, const std::string& file) {
  const std::string path = dir.path(file);
  const Status s = onnx_io::export_model(g, path);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return path;
}

}  // namespace lacuna::test
