// The benchmark models exported by ../shared/tools/make_models.py match their PyTorch reference
// outputs (.ref/*.npy), and on the pruned ones the sparse kernels agree with the dense path
// (--sparse dense) within rtol 1e-4. Runs when the build is configured with
// -DLACUNA_BENCH_MODELS=DIR (or the variable is set in the environment).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "io/npy.h"
#include "lacuna/session.h"
#include "test_util.h"

namespace lacuna {
namespace {

class BenchModels : public ::testing::TestWithParam<std::string> {};

// allclose with rtol 1e-3 and an absolute floor of 1e-3 of the output's largest magnitude (the
// pruned VGG-16 logits are ~1e-5, where a pure relative test is meaningless).
void expect_matches_reference(const Tensor& out, const Tensor& ref, const std::string& what, double rtol = 1e-3) {
  const auto o = out.to_double_vector();
  const auto r = ref.to_double_vector();
  ASSERT_EQ(out.shape(), ref.shape()) << what;
  double scale = 0;
  for (double v : r) scale = std::max(scale, std::abs(v));
  const double atol = rtol * scale;
  int64_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    const double d = std::abs(o[i] - r[i]);
    worst = std::max(worst, d);
    if (d > atol + rtol * std::abs(r[i])) ++bad;
  }
  EXPECT_EQ(bad, 0) << what << ": max abs diff " << worst << " (scale " << scale << ")";
}

TEST_P(BenchModels, MatchesReference) {
  const std::string dir = test::bench_models_dir();
  if (dir.empty()) GTEST_SKIP() << "configure with -DLACUNA_BENCH_MODELS=DIR to run";
  const std::string model = dir + "/" + GetParam() + ".onnx";
  const std::string ref = dir + "/" + GetParam() + ".ref";
  if (!test::path_exists(model)) GTEST_SKIP() << model << " not found";
  // The references are batches of 2: on 2 threads, the split batch runs its samples side by
  // side, one per thread.
  Options opts;
  opts.num_threads = 2;
  auto session = Session::load(model, opts);
  ASSERT_TRUE(session.has_value()) << session.status().to_string();
  std::map<std::string, Tensor> feed;
  for (const IoInfo& io : (*session)->inputs()) {
    auto t = io::read_npy(ref + "/" + io.name + ".npy");
    ASSERT_TRUE(t.has_value()) << t.status().to_string();
    feed[io.name] = *t;
  }
  auto out = (*session)->run_named(feed);
  ASSERT_TRUE(out.has_value()) << out.status().to_string();
  auto expected = io::read_npy(ref + "/logits.npy");
  ASSERT_TRUE(expected.has_value());
  expect_matches_reference(out->at("logits"), *expected, GetParam());
  if (GetParam().find("-p") == std::string::npos) return;
  // The pruned model on the dense kernels only: the sparse run must agree within rtol 1e-4.
  Options dense_only;
  dense_only.sparse = "dense";
  auto dense = Session::load(model, dense_only);
  ASSERT_TRUE(dense.has_value()) << dense.status().to_string();
  auto dense_out = (*dense)->run_named(feed);
  ASSERT_TRUE(dense_out.has_value()) << dense_out.status().to_string();
  expect_matches_reference(out->at("logits"), dense_out->at("logits"), GetParam() + " sparse vs dense", 1e-4);
}

INSTANTIATE_TEST_SUITE_P(All, BenchModels,
                         ::testing::Values("resnet50", "resnet50-p90", "mobilenet_v2", "mobilenet_v2-p90",
                                           "vgg16", "vgg16-p90", "bert-base", "bert-base-p90", "bert-mini",
                                           "bert-mini-p90", "resnet50-p95", "bert-base-p95"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace lacuna
