// One session used from several threads at once, each with its own batch sizes: new shape
// signatures compile under the session's lock, the weights are dropped and re-read from the
// file between compilations, and every run's outputs equal a serial session's.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <thread>
#include <vector>

#include "ir/builder.h"
#include "lacuna/session.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

TEST(SessionConcurrency, NewShapesFromManyThreadsMatchSerialRuns) {
  const test::TempDir dir("concurrency");
  ir::GraphBuilder b(17);
  const ir::ValueId x = b.input("x", DType::kFloat32, {{-1, "N"}, {8, ""}, {6, ""}, {6, ""}});
  // 4.6 KB and 16 KB of weights: large enough that the session drops them once packed.
  const ir::ValueId w = b.constant("w", test::sparsify(test::random_tensor(DType::kFloat32, {16, 8, 3, 3}, 1), 0.8, 2));
  ir::ValueId y = b.op("Relu", {b.op("Conv", {x, w}, {{"pads", Attribute::of_ints({1, 1, 1, 1})}})});
  y = b.op("Flatten", {b.op("GlobalAveragePool", {y})});
  const ir::ValueId fc = b.constant("fc", test::random_tensor(DType::kFloat32, {16, 256}, 3));
  b.output(b.op("MatMul", {y, fc}), "out", DType::kFloat32, {{-1, "N"}, {256, ""}});
  const std::string path = test::write_model(dir, b.finish());

  constexpr int kBatches = 4;
  Options options;
  options.num_threads = 1;
  std::map<int64_t, Tensor> inputs, expected;
  {
    auto serial = Session::load(path, options);
    ASSERT_TRUE(serial.has_value()) << serial.status().to_string();
    for (int64_t n = 1; n <= kBatches; ++n) {
      inputs[n] = test::random_tensor(DType::kFloat32, {n, 8, 6, 6}, static_cast<uint64_t>(10 + n));
      auto out = (*serial)->run({inputs[n]});
      ASSERT_TRUE(out.has_value()) << out.status().to_string();
      expected[n] = (*out)[0];
    }
  }
  auto shared = Session::load(path, options);
  ASSERT_TRUE(shared.has_value()) << shared.status().to_string();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 6; ++rep) {
        const int64_t n = 1 + (t + rep) % kBatches;
        auto out = (*shared)->run({inputs[n]});
        if (!out.has_value() || (*out)[0].shape() != expected[n].shape()) {
          ++failures;
          continue;
        }
        const float* got = (*out)[0].data<float>();
        const float* want = expected[n].data<float>();
        for (int64_t i = 0; i < expected[n].numel(); ++i) {
          if (std::abs(got[i] - want[i]) > 1e-5f * (1.f + std::abs(want[i]))) {
            ++failures;
            break;
          }
        }
        // A wrongly shaped input is an error, whatever the other threads are compiling.
        auto bad = (*shared)->run({Tensor(DType::kFloat32, {n, 7, 6, 6})});
        if (bad.has_value() || bad.status().message().find("input 'x' has shape") == std::string::npos) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace lacuna
