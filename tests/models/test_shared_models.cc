// `lacuna check` passes on every real model in ../shared/models (outputs computed by ONNX
// Runtime), with the optimized kernels and with the reference kernels.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace lacuna {
namespace {

struct SharedModel {
  const char* name;
  double rtol;
  double atol;
};

class SharedModels : public ::testing::TestWithParam<std::tuple<SharedModel, bool>> {};

TEST_P(SharedModels, CheckPasses) {
  const auto& [m, reference] = GetParam();
  const std::string dir = test::shared_dir() + "/models/" + m.name;
  if (!test::path_exists(dir)) GTEST_SKIP() << dir << " not found";
  std::string out;
  const std::string cmd = test::lacuna_binary() + " check " + dir + "/model.onnx " + dir + " --rtol " +
                          std::to_string(m.rtol) + " --atol " + std::to_string(m.atol) +
                          (reference ? " --reference" : "");
  EXPECT_EQ(test::run_command(cmd, &out), 0) << cmd << "\n" << out;
}

INSTANTIATE_TEST_SUITE_P(
    All, SharedModels,
    ::testing::Combine(::testing::Values(SharedModel{"mnist-8", 1e-3, 1e-5},
                                         SharedModel{"mobilenetv2-fp32", 1e-3, 1e-5},
                                         SharedModel{"mobilenetv2-int8", 1e-3, 1e-5},
                                         SharedModel{"squeezenet1.1-fp16", 1e-3, 1e-5},
                                         SharedModel{"fastestdet", 1e-3, 1e-5}),
                       ::testing::Bool()),
    [](const auto& info) {
      std::string n = std::get<0>(info.param).name;
      for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n + (std::get<1>(info.param) ? "_reference" : "_optimized");
    });

}  // namespace
}  // namespace lacuna
