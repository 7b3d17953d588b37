// The optimized Conv / FusedConv implementation against the reference implementation, through
// the operator layer (attributes, auto_pad, 1-D, groups, depthwise, fused residual/activation),
// for every ISA tier.
#include <gtest/gtest.h>

#include "core/cpu.h"
#include "test_util.h"

namespace lacuna {
namespace {

using ir::Attribute;

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group;
  std::string auto_pad;
};

void compare(const ir::Node& node, const std::vector<Tensor>& in, const std::string& what) {
  SCOPED_TRACE(what);
  test::expect_fast_matches_reference(node, in, "conv_fast");
}

TEST(ConvFast, MatchesReferenceAcrossIsas) {
  const std::vector<ConvCase> cases = {
      {{1, 3, 20, 22}, {8, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ""},
      {{2, 8, 15, 15}, {16, 8, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, ""},
      {{1, 8, 15, 15}, {16, 8, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, ""},
      {{1, 8, 16, 16}, {8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 8, ""},      // depthwise
      {{1, 8, 16, 16}, {8, 1, 3, 3}, {2, 2}, {0, 0, 1, 1}, {1, 1}, 8, ""},      // depthwise s2, asym pads
      {{1, 12, 9, 9}, {12, 4, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 3, ""},      // grouped dilated
      {{1, 4, 11, 13}, {6, 4, 3, 2}, {1, 1}, {}, {1, 1}, 1, "SAME_UPPER"},
      {{1, 4, 11, 13}, {6, 4, 3, 3}, {2, 2}, {}, {1, 1}, 1, "SAME_LOWER"},
      {{2, 5, 30}, {7, 5, 3}, {1}, {1, 1}, {1}, 1, ""},                          // 1-D
  };
  const Isa before = cpu_info().isa;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (static_cast<int>(isa) > static_cast<int>(cpu_info().hw_isa)) continue;
    set_max_isa(isa);
    int idx = 0;
    for (const ConvCase& c : cases) {
      ir::Attributes a;
      a["strides"] = Attribute::of_ints(c.strides);
      a["dilations"] = Attribute::of_ints(c.dilations);
      a["group"] = Attribute::of_int(c.group);
      if (!c.pads.empty()) a["pads"] = Attribute::of_ints(c.pads);
      if (!c.auto_pad.empty()) a["auto_pad"] = Attribute::of_string(c.auto_pad);
      const Tensor x = test::random_tensor(DType::kFloat32, c.x, 1 + idx);
      const Tensor w = test::random_tensor(DType::kFloat32, c.w, 2 + idx);
      const Tensor b = test::random_tensor(DType::kFloat32, {c.w[0]}, 3 + idx);
      compare(test::make_node("Conv", 3, 1, a), {x, w, b}, std::string(isa_name(isa)) + " case " + std::to_string(idx));
      compare(test::make_node("Conv", 2, 1, a), {x, w}, std::string(isa_name(isa)) + " no-bias " + std::to_string(idx));
      ++idx;
    }
  }
  set_max_isa(before);
}

TEST(ConvFast, FusedResidualAndActivations) {
  const Tensor x = test::random_tensor(DType::kFloat32, {1, 16, 14, 14}, 7);
  const Tensor w = test::random_tensor(DType::kFloat32, {16, 16, 3, 3}, 8);
  const Tensor dw = test::random_tensor(DType::kFloat32, {16, 1, 3, 3}, 9);
  const Tensor b = test::random_tensor(DType::kFloat32, {16}, 10);
  const Tensor z = test::random_tensor(DType::kFloat32, {1, 16, 14, 14}, 11);
  for (const char* act : {"none", "relu", "relu6", "clip", "sigmoid", "hardswish", "leaky_relu", "gelu"}) {
    for (int64_t group : {int64_t{1}, int64_t{16}}) {
      ir::Attributes a;
      a["pads"] = Attribute::of_ints({1, 1, 1, 1});
      a["group"] = Attribute::of_int(group);
      a["activation"] = Attribute::of_string(act);
      a["activation_alpha"] = Attribute::of_float(-0.5f);
      a["activation_beta"] = Attribute::of_float(0.5f);
      compare(test::make_node("FusedConv", 4, 1, a, "lacuna"), {x, group == 1 ? w : dw, b, z},
              std::string(act) + " group " + std::to_string(group));
    }
  }
}

}  // namespace
}  // namespace lacuna
