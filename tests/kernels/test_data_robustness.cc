// Random, mostly invalid inputs for every data-movement op: each call must return a Status (an
// error or outputs of consistent size), never crash or read out of bounds (run under ASan).
#include <random>

#include "data_test_util.h"

namespace lacuna::test {
namespace {

struct Case {
  const char* op;
  int n_in;
  int n_out;
  bool int_inputs;  // inputs after the first are small integers (indices, shapes, pads...)
};

Shape random_shape(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> rank(0, 3), dim(0, 3);
  Shape s(static_cast<size_t>(rank(rng)));
  for (auto& d : s) d = dim(rng);
  return s;
}

// Small integers, int64 or int32, mostly near the valid range of indices, pads and shapes.
Tensor random_ints(std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> v(-4, 4);
  if (rng() % 4 == 0) {
    Tensor t(DType::kInt32, random_shape(rng));
    for (int64_t i = 0; i < t.numel(); ++i) t.data<int32_t>()[i] = static_cast<int32_t>(v(rng));
    return t;
  }
  Tensor t(DType::kInt64, random_shape(rng));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int64_t>()[i] = v(rng);
  return t;
}

TEST(DataRobustness, RandomInputsNeverCrash) {
  const Case cases[] = {
      {"Gather", 2, 1, true},         {"GatherElements", 2, 1, true}, {"GatherND", 2, 1, true},
      {"ScatterElements", 3, 1, true}, {"ScatterND", 3, 1, true},     {"Slice", 5, 1, true},
      {"Pad", 2, 1, true},            {"Tile", 2, 1, true},           {"Expand", 2, 1, true},
      {"OneHot", 3, 1, true},         {"Trilu", 2, 1, true},          {"TopK", 2, 2, true},
      {"CumSum", 2, 1, true},         {"ReverseSequence", 2, 1, true}, {"Range", 3, 1, true},
      {"Split", 2, 2, true},          {"Concat", 2, 1, false},        {"Transpose", 1, 1, false},
      {"DepthToSpace", 1, 1, false},  {"SpaceToDepth", 1, 1, false},  {"Unique", 1, 4, false},
      {"NonZero", 1, 1, false},       {"Compress", 2, 1, false},      {"EyeLike", 1, 1, false},
  };
  std::mt19937_64 rng(1234);
  std::uniform_int_distribution<int> axis(-4, 4), coin(0, 1);
  int ok = 0, errors = 0;
  for (const Case& c : cases) {
    for (int trial = 0; trial < 1000; ++trial) {
      ir::Attributes attrs = {{"axis", ai(axis(rng))}, {"blocksize", ai(1 + coin(rng))}};
      if (coin(rng)) attrs["mode"] = as(coin(rng) ? "reflect" : "edge");
      if (std::string(c.op) == "ScatterElements" && coin(rng)) attrs["reduction"] = as("add");
      std::vector<Tensor> in;
      const DType dt = c.op == std::string("Range") ? DType::kInt64 : trial % 5 == 0 ? DType::kString : DType::kFloat32;
      Tensor x = dt == DType::kString ? Tensor(dt, random_shape(rng)) : random_tensor(dt, random_shape(rng), trial);
      in.push_back(x);
      for (int i = 1; i < c.n_in; ++i) {
        if (c.int_inputs) in.push_back(i == 2 && std::string(c.op).rfind("Scatter", 0) == 0 ? random_tensor(DType::kFloat32, random_shape(rng), trial) : random_ints(rng));
        else in.push_back(coin(rng) ? x : random_tensor(DType::kBool, random_shape(rng), trial, 0, 2));
      }
      std::vector<Tensor> out;
      Status s = try_run_op(make_node(c.op, c.n_in, c.n_out, attrs), in, 17, &out);
      if (s.is_ok()) {
        ++ok;
        for (const Tensor& t : out) EXPECT_TRUE(!t.defined() || t.numel() >= 0) << c.op;
      } else {
        ++errors;
        EXPECT_NE(s.message().find(std::string(c.op) + "_test"), std::string::npos) << s.message();
      }
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace lacuna::test
