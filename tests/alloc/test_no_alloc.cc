// "No allocation per inference after the first run": once a session has run with given input
// shapes, further runs with the same shapes into caller-owned outputs (Session::run(inputs,
// &outputs)) make no heap allocation on any thread. Synthetic CNNs and transformers built in
// process are always checked; the shared models and the benchmark models when present, and any
// model listed in LACUNA_NO_ALLOC_MODELS (colon-separated paths, optionally "path@batch").
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "../../tools/lacuna/synthetic.h"
#include "alloc_counter.h"
#include "lacuna/session.h"
#include "test_util.h"

namespace lacuna {
namespace {

// Inputs for every model input: floats in [-1, 1], integer ids in [0, 100), masks all ones.
std::vector<Tensor> make_inputs(const Session& s, int64_t batch) {
  std::vector<Tensor> in;
  for (const IoInfo& io : s.inputs()) {
    Shape shape;
    for (size_t d = 0; d < io.dims.size(); ++d) shape.push_back(io.dims[d] >= 0 ? io.dims[d] : (d == 0 ? batch : 16));
    const bool mask = io.name.find("mask") != std::string::npos || io.name.find("type") != std::string::npos;
    if (is_floating(io.dtype)) {
      Tensor t = test::random_tensor(DType::kFloat32, shape, 7);
      if (io.dtype != DType::kFloat32) {
        Tensor h(io.dtype, shape);
        in.push_back(h);  // zeros are fine for half-precision inputs
        continue;
      }
      in.push_back(t);
    } else {
      Tensor t(io.dtype, shape);
      for (int64_t i = 0; i < t.numel(); ++i) {
        const int64_t v = mask ? 1 : (i * 7) % 100;
        if (io.dtype == DType::kInt64) t.data<int64_t>()[i] = v;
        else if (io.dtype == DType::kInt32) t.data<int32_t>()[i] = static_cast<int32_t>(v);
        else if (io.dtype == DType::kUint8) t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
        else if (io.dtype == DType::kBool) t.data<bool>()[i] = true;
      }
      in.push_back(t);
    }
  }
  return in;
}

struct RunCounts {
  int64_t second = -1, third = -1;
};

// Runs three times into the same output vector; counts the allocations of runs two and three.
RunCounts count_steady_state(Session& s, const std::vector<Tensor>& in) {
  std::vector<Tensor> out;
  Status first = s.run(in, &out);
  EXPECT_TRUE(first.is_ok()) << first.to_string();
  RunCounts c;
  Status st;
  c.second = test::count_allocations([&] { st = s.run(in, &out); });
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  c.third = test::count_allocations([&] { st = s.run(in, &out); });
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return c;
}

void expect_no_allocations(const std::string& path, int threads, int64_t batch, const std::string& sparse = "auto") {
  Options o;
  o.num_threads = threads;
  o.sparse = sparse;
  auto s = Session::load(path, o);
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  const std::vector<Tensor> in = make_inputs(**s, batch);
  const RunCounts c = count_steady_state(**s, in);
  EXPECT_EQ(c.second, 0) << path << " (" << threads << " thread(s), batch " << batch
                         << "): rerun with LACUNA_ALLOC_TRACE=1 for backtraces";
  EXPECT_EQ(c.third, 0) << path;
}

std::string synthetic(const cli::SyntheticSpec& spec, const std::string& tag) {
  const std::string path = ::testing::TempDir() + "lacuna_no_alloc_" + tag + ".onnx";
  Status s = cli::write_synthetic_model(spec, path);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return path;
}

Expected<std::unique_ptr<Session>> load_synthetic(const char* kind, int64_t width, const std::string& tag) {
  cli::SyntheticSpec spec;
  spec.kind = kind;
  spec.width = width;
  return Session::load(synthetic(spec, tag));
}

class NoAlloc : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::allocation_counting_available()) GTEST_SKIP() << "sanitizer builds own malloc";
  }
};

struct SyntheticCase {
  const char* kind;
  double sparsity;
  const char* sparse_policy;
};
void PrintTo(const SyntheticCase& c, std::ostream* os) { *os << c.kind << "/" << c.sparse_policy; }

class NoAllocSynthetic : public NoAlloc, public ::testing::WithParamInterface<std::tuple<SyntheticCase, int>> {};

TEST_P(NoAllocSynthetic, SecondAndThirdRunAllocateNothing) {
  const auto& [c, threads] = GetParam();
  cli::SyntheticSpec spec;
  spec.kind = c.kind;
  spec.sparsity = c.sparsity;
  spec.image_size = 32;
  spec.width = 16;
  const std::string path = synthetic(spec, std::string(c.kind) + "_" + c.sparse_policy);
  // Batch 3 splits into samples run one after another; batch 8 on 2 threads runs samples (sparse)
  // or parts of 4 (dense) side by side.
  for (int64_t batch : {1, 3, 8}) expect_no_allocations(path, threads, batch, c.sparse_policy);
}

INSTANTIATE_TEST_SUITE_P(
    Models, NoAllocSynthetic,
    ::testing::Combine(::testing::Values(SyntheticCase{"resnet", 0.0, "dense"}, SyntheticCase{"resnet", 0.9, "sparse"},
                                         SyntheticCase{"mobilenet", 0.0, "dense"},
                                         SyntheticCase{"mobilenet", 0.9, "sparse"},
                                         SyntheticCase{"mlp", 0.0, "dense"}, SyntheticCase{"mlp", 0.9, "sparse"},
                                         SyntheticCase{"transformer", 0.0, "dense"},
                                         SyntheticCase{"transformer", 0.9, "sparse"}),
                       ::testing::Values(1, 2)),
    [](const auto& info) {
      const SyntheticCase& c = std::get<0>(info.param);
      return std::string(c.kind) + "_" + c.sparse_policy + "_" + std::to_string(std::get<1>(info.param)) + "t";
    });

// The convenience overload returns fresh outputs: exactly one allocation for the vector and
// three per output (the shape, the 64-byte-aligned buffer and its shared owner).
TEST_F(NoAlloc, ReturningOutputsAllocatesOnlyTheOutputs) {
  auto s = load_synthetic("transformer", 16, "returning");
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  const std::vector<Tensor> in = make_inputs(**s, 2);
  ASSERT_TRUE((*s)->run(in).has_value());
  Expected<std::vector<Tensor>> out = std::vector<Tensor>{};
  const int64_t n = test::count_allocations([&] { out = (*s)->run(in); });
  ASSERT_TRUE(out.has_value()) << out.status().to_string();
  EXPECT_EQ(n, 1 + 3 * static_cast<int64_t>(out->size()));
}

// Outputs the caller still holds from an earlier run are not overwritten: the next run gives
// the caller's vector fresh buffers instead.
TEST_F(NoAlloc, HeldOutputsAreNotOverwritten) {
  auto s = load_synthetic("mlp", 8, "held");
  ASSERT_TRUE(s.has_value()) << s.status().to_string();
  const std::vector<Tensor> in = make_inputs(**s, 2);
  std::vector<Tensor> out;
  ASSERT_TRUE((*s)->run(in, &out).is_ok());
  const Tensor kept = out[0];
  const Tensor copy = kept.clone();
  std::vector<Tensor> in2 = {test::random_tensor(DType::kFloat32, in[0].shape(), 99)};
  ASSERT_TRUE((*s)->run(in2, &out).is_ok());
  EXPECT_NE(out[0].raw(), kept.raw());
  test::expect_equal(kept, copy, "held output");
}

// A session loaded from a file drops the model's weights once compiled; a new shape signature
// re-reads them from the file. Its results match a fresh session's.
TEST(SessionWeights, NewShapesAfterTheWeightsWereReleased) {
  for (const char* kind : {"resnet", "transformer"}) {
    cli::SyntheticSpec spec;
    spec.kind = kind;
    spec.image_size = 32;
    spec.width = 16;
    const std::string path = synthetic(spec, std::string("reload_") + kind);
    auto a = Session::load(path);
    ASSERT_TRUE(a.has_value()) << a.status().to_string();
    ASSERT_TRUE((*a)->run(make_inputs(**a, 1)).has_value());
    const std::vector<Tensor> in3 = make_inputs(**a, 3);
    auto second = (*a)->run(in3);
    ASSERT_TRUE(second.has_value()) << second.status().to_string();
    auto b = Session::load(path);
    ASSERT_TRUE(b.has_value()) << b.status().to_string();
    auto fresh = (*b)->run(in3);
    ASSERT_TRUE(fresh.has_value()) << fresh.status().to_string();
    ASSERT_EQ(second->size(), fresh->size());
    for (size_t i = 0; i < fresh->size(); ++i) test::expect_equal((*second)[i], (*fresh)[i], kind);
  }
}

class NoAllocSharedModel : public NoAlloc, public ::testing::WithParamInterface<const char*> {};

TEST_P(NoAllocSharedModel, SecondAndThirdRunAllocateNothing) {
  const std::string path = test::shared_dir() + "/models/" + GetParam() + "/model.onnx";
  if (!test::path_exists(path)) GTEST_SKIP() << path << " not found";
  expect_no_allocations(path, 2, 1);
}

INSTANTIATE_TEST_SUITE_P(Shared, NoAllocSharedModel,
                         ::testing::Values("mnist-8", "mobilenetv2-fp32", "mobilenetv2-int8", "squeezenet1.1-fp16",
                                           "fastestdet"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

// The benchmark models, at one and two threads (the acceptance: resnet50-p90 and
// bert-base-p90 among them).
class NoAllocBenchModel : public NoAlloc, public ::testing::WithParamInterface<std::tuple<const char*, int>> {};

TEST_P(NoAllocBenchModel, SecondAndThirdRunAllocateNothing) {
  const auto& [name, threads] = GetParam();
  if (test::bench_models_dir().empty()) GTEST_SKIP() << "LACUNA_BENCH_MODELS is not configured";
  const std::string path = test::bench_models_dir() + "/" + name + ".onnx";
  if (!test::path_exists(path)) GTEST_SKIP() << path << " not found";
  expect_no_allocations(path, threads, 1);
}

INSTANTIATE_TEST_SUITE_P(Bench, NoAllocBenchModel,
                         ::testing::Combine(::testing::Values("bert-mini", "bert-mini-p90", "mobilenet_v2",
                                                              "mobilenet_v2-p90", "resnet50-p90", "bert-base-p90"),
                                            ::testing::Values(1, 2)),
                         [](const auto& info) {
                           std::string n = std::get<0>(info.param);
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n + "_" + std::to_string(std::get<1>(info.param)) + "t";
                         });

// LACUNA_NO_ALLOC_MODELS="a.onnx:b.onnx@16": any models, at the given batch (default 1).
TEST_F(NoAlloc, ModelsFromEnvironment) {
  const char* list = std::getenv("LACUNA_NO_ALLOC_MODELS");
  if (!list || !*list) GTEST_SKIP() << "LACUNA_NO_ALLOC_MODELS is not set";
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ':')) {
    if (item.empty()) continue;
    const auto at = item.find('@');
    const std::string path = item.substr(0, at);
    const int64_t batch = at == std::string::npos ? 1 : std::stoll(item.substr(at + 1));
    SCOPED_TRACE(item);
    ASSERT_TRUE(test::path_exists(path)) << path;
    expect_no_allocations(path, 2, batch);
  }
}

}  // namespace
}  // namespace lacuna
