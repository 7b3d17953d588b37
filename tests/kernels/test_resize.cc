// Resize, Upsample, GridSample and RoiAlign against hand-computed values: coordinate modes,
// nearest rounding, linear and cubic weights, extrapolation, padding modes and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../test_util.h"

namespace lacuna::test {
namespace {

using ir::Attribute;

Tensor floats(const Shape& s, const std::vector<float>& v) { return Tensor::from_vector<float>(s, v); }
Tensor scales(const std::vector<float>& v) { return floats({static_cast<int64_t>(v.size())}, v); }

// Resize (opset 13) with scales; empty roi.
std::vector<Tensor> resize_scales(const Tensor& x, const std::vector<float>& s, ir::Attributes attrs, int64_t opset = 13) {
  return run_op(make_node("Resize", 3, 1, std::move(attrs)), {x, Tensor(), scales(s)}, opset);
}
std::vector<Tensor> resize_sizes(const Tensor& x, const std::vector<int64_t>& s, ir::Attributes attrs, const Tensor& roi = {}) {
  return run_op(make_node("Resize", 4, 1, std::move(attrs)),
                {x, roi, Tensor(), Tensor::from_vector<int64_t>({static_cast<int64_t>(s.size())}, s)});
}

TEST(NnResize, NearestAndRoundingModes) {
  Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_equal(resize_scales(x, {1, 1, 2, 2}, {})[0],
               floats({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // Asymmetric coordinates x/2 = 0, .5, 1, 1.5, 2, 2.5 under each rounding rule.
  Tensor r = floats({1, 3}, {1, 2, 3});
  const std::vector<std::pair<const char*, std::vector<float>>> modes = {
      {"round_prefer_floor", {1, 1, 2, 2, 3, 3}},
      {"round_prefer_ceil", {1, 2, 2, 3, 3, 3}},
      {"floor", {1, 1, 2, 2, 3, 3}},
      {"ceil", {1, 2, 2, 3, 3, 3}}};
  for (const auto& [mode, expect] : modes) {
    auto y = resize_scales(r, {1, 2}, {{"coordinate_transformation_mode", Attribute::of_string("asymmetric")},
                                       {"nearest_mode", Attribute::of_string(mode)}})[0];
    expect_equal(y, floats({1, 6}, expect), mode);
  }
  // Integers are copied exactly.
  Tensor u = Tensor::from_vector<uint8_t>({1, 2}, {7, 250});
  expect_equal(resize_scales(u, {1, 2}, {})[0], Tensor::from_vector<uint8_t>({1, 4}, {7, 7, 250, 250}));
}

TEST(NnResize, LinearCoordinateModes) {
  Tensor x = floats({1, 1, 1, 2}, {0, 10});
  // half_pixel: -0.25, 0.25, 0.75, 1.25 (edges clamp).
  expect_close(resize_scales(x, {1, 1, 1, 2}, {{"mode", Attribute::of_string("linear")}})[0],
               floats({1, 1, 1, 4}, {0, 2.5, 7.5, 10}));
  expect_close(resize_scales(x, {1, 1, 1, 2}, {{"mode", Attribute::of_string("linear")},
                                               {"coordinate_transformation_mode", Attribute::of_string("asymmetric")}})[0],
               floats({1, 1, 1, 4}, {0, 5, 10, 10}));
  expect_close(resize_sizes(x, {1, 1, 1, 3}, {{"mode", Attribute::of_string("linear")},
                                              {"coordinate_transformation_mode", Attribute::of_string("align_corners")}})[0],
               floats({1, 1, 1, 3}, {0, 5, 10}));
  // pytorch_half_pixel maps a single output to coordinate 0.
  expect_close(resize_sizes(x, {1, 1, 1, 1}, {{"mode", Attribute::of_string("linear")},
                                              {"coordinate_transformation_mode", Attribute::of_string("pytorch_half_pixel")}})[0],
               floats({1, 1, 1, 1}, {0}));
  // Bilinear in two dimensions: the centre of a 2x2 block averages its corners.
  Tensor sq = floats({2, 2}, {0, 4, 8, 12});
  auto y = resize_sizes(sq, {3, 3}, {{"mode", Attribute::of_string("linear")},
                                     {"coordinate_transformation_mode", Attribute::of_string("align_corners")}})[0];
  expect_close(y, floats({3, 3}, {0, 2, 4, 4, 6, 8, 8, 10, 12}));
}

TEST(NnResize, CubicWeightsAndExcludeOutside) {
  std::vector<float> ramp(8);
  for (int i = 0; i < 8; ++i) ramp[static_cast<size_t>(i)] = static_cast<float>(i);
  Tensor x = floats({1, 8}, ramp);
  ir::Attributes attrs = {{"mode", Attribute::of_string("cubic")},
                          {"coordinate_transformation_mode", Attribute::of_string("asymmetric")}};
  auto y = resize_scales(x, {1, 2}, attrs)[0];
  // Whole coordinates are exact; half coordinates with all four taps inside reproduce the ramp.
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(y.data<float>()[2 * k], k, 1e-5);
  for (int k = 1; k <= 5; ++k) EXPECT_NEAR(y.data<float>()[2 * k + 1], k + 0.5, 1e-5);
  // At 0.5 the tap at -1 reads the edge (0): weights (-3/32, 19/32, 19/32, -3/32).
  EXPECT_NEAR(y.data<float>()[1], 19.0 / 32 - 2 * 3.0 / 32, 1e-6);
  attrs["exclude_outside"] = Attribute::of_int(1);
  auto e = resize_scales(x, {1, 2}, attrs)[0];
  EXPECT_NEAR(e.data<float>()[1], (19.0 / 32 - 2 * 3.0 / 32) / (1 + 3.0 / 32), 1e-6);
  // cubic_coeff_a = -0.5 changes the outer weights to -1/16.
  attrs["exclude_outside"] = Attribute::of_int(0);
  attrs["cubic_coeff_a"] = Attribute::of_float(-0.5f);
  auto a = resize_scales(x, {1, 2}, attrs)[0];
  EXPECT_NEAR(a.data<float>()[1], 9.0 / 16 - 2.0 / 16, 1e-6);
}

TEST(NnResize, TfCropAndResizeExtrapolates) {
  Tensor x = floats({1, 1, 1, 4}, {0, 1, 2, 3});
  Tensor roi = floats({8}, {0, 0, 0, 0.5f, 1, 1, 1, 1.5f});
  // Coordinates 1.5, 3, 4.5: the last lies outside and takes extrapolation_value.
  auto y = resize_sizes(x, {1, 1, 1, 3}, {{"mode", Attribute::of_string("linear")},
                                          {"coordinate_transformation_mode", Attribute::of_string("tf_crop_and_resize")},
                                          {"extrapolation_value", Attribute::of_float(7.f)}},
                        roi)[0];
  expect_close(y, floats({1, 1, 1, 3}, {1.5, 3, 7}));
}

TEST(NnResize, OlderOpsetsAndUpsample) {
  // Resize-10: asymmetric coordinates; downsampling rounds up.
  Tensor x = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto y10 = run_op(make_node("Resize", 2, 1), {x, scales({1, 1, 0.6f, 0.6f})}, 10)[0];
  expect_equal(y10, floats({1, 1, 1, 2}, {1, 3}));
  // Upsample-7 (attribute) and -9 (input), nearest and linear.
  Tensor s = floats({1, 2}, {1, 2});
  expect_equal(run_op(make_node("Upsample", 1, 1, {{"scales", Attribute::of_floats({1, 2})}}), {s}, 7)[0],
               floats({1, 4}, {1, 1, 2, 2}));
  expect_close(run_op(make_node("Upsample", 2, 1, {{"mode", Attribute::of_string("linear")}}), {s, scales({1, 2})}, 9)[0],
               floats({1, 4}, {1, 1.5, 2, 2}));
  EXPECT_FALSE(try_run_op(make_node("Upsample", 2, 1), {s, scales({1, 0.5f})}, 9).is_ok());
  // Opset 18: axes and keep_aspect_ratio_policy.
  auto big = run_op(make_node("Resize", 4, 1, {{"axes", Attribute::of_ints({2, 3})},
                                               {"keep_aspect_ratio_policy", Attribute::of_string("not_smaller")}}),
                    {x, Tensor(), Tensor(), Tensor::from_vector<int64_t>({2}, {4, 4})}, 18)[0];
  EXPECT_EQ(big.shape(), (Shape{1, 1, 4, 8}));
  auto small = run_op(make_node("Resize", 4, 1, {{"axes", Attribute::of_ints({2, 3})},
                                                 {"keep_aspect_ratio_policy", Attribute::of_string("not_larger")}}),
                      {x, Tensor(), Tensor(), Tensor::from_vector<int64_t>({2}, {4, 4})}, 18)[0];
  EXPECT_EQ(small.shape(), (Shape{1, 1, 2, 4}));
}

TEST(NnResize, RejectsBadInput) {
  Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  auto resize = [](ir::Attributes a = {}) { return make_node("Resize", 3, 1, std::move(a)); };
  EXPECT_FALSE(try_run_op(resize(), {x, Tensor(), scales({1, 2})}).is_ok());          // wrong length
  EXPECT_FALSE(try_run_op(resize(), {x, Tensor(), scales({1, 1, 0, 2})}).is_ok());    // zero scale
  EXPECT_FALSE(try_run_op(resize(), {x, Tensor(), scales({1, 1, -2, 2})}).is_ok());   // negative scale
  EXPECT_FALSE(try_run_op(make_node("Resize", 1, 1), {x}).is_ok());                   // neither input
  EXPECT_FALSE(try_run_op(resize({{"mode", Attribute::of_string("area")}}), {x, Tensor(), scales({1, 1, 2, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(resize({{"antialias", Attribute::of_int(1)}}), {x, Tensor(), scales({1, 1, 2, 2})}, 18).is_ok());
  EXPECT_FALSE(try_run_op(make_node("Resize", 4, 1), {x, Tensor(), Tensor(), Tensor::from_vector<int64_t>({4}, {1, 1, -1, 2})}).is_ok());
  EXPECT_FALSE(try_run_op(resize({{"coordinate_transformation_mode", Attribute::of_string("tf_crop_and_resize")}}),
                          {x, Tensor(), scales({1, 1, 2, 2})}).is_ok());  // roi missing
}

ir::Node grid_sample(const char* mode, const char* pad, int align) {
  return make_node("GridSample", 2, 1, {{"mode", Attribute::of_string(mode)},
                                        {"padding_mode", Attribute::of_string(pad)},
                                        {"align_corners", Attribute::of_int(align)}});
}

TEST(NnGridSample, IdentityGridReproducesInput) {
  const int64_t h = 3, w = 4;
  Tensor x = random_tensor(DType::kFloat32, {1, 2, h, w}, 3);
  Tensor grid(DType::kFloat32, {1, h, w, 2});
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      grid.data<float>()[(i * w + j) * 2] = 2.f * static_cast<float>(j) / static_cast<float>(w - 1) - 1.f;
      grid.data<float>()[(i * w + j) * 2 + 1] = 2.f * static_cast<float>(i) / static_cast<float>(h - 1) - 1.f;
    }
  }
  for (const char* mode : {"bilinear", "nearest", "bicubic"}) {
    expect_close(run_op(grid_sample(mode, "zeros", 1), {x, grid}, 16)[0], x, 1e-5, 1e-6, mode);
  }
}

TEST(NnGridSample, PaddingModesAndNearestRounding) {
  Tensor x = floats({1, 1, 1, 3}, {10, 20, 30});
  // With align_corners, gx = -1.5 is pixel -0.5.
  Tensor g = floats({1, 1, 1, 2}, {-1.5f, 0});
  expect_close(run_op(grid_sample("bilinear", "zeros", 1), {x, g}, 16)[0], floats({1, 1, 1, 1}, {5}));
  expect_close(run_op(grid_sample("bilinear", "border", 1), {x, g}, 16)[0], floats({1, 1, 1, 1}, {10}));
  expect_close(run_op(grid_sample("bilinear", "reflection", 1), {x, g}, 16)[0], floats({1, 1, 1, 1}, {15}));
  // Far outside: zeros gives 0, border the edge pixel.
  Tensor far = floats({1, 1, 1, 2}, {5, 0});
  expect_close(run_op(grid_sample("bicubic", "zeros", 0), {x, far}, 16)[0], floats({1, 1, 1, 1}, {0}));
  expect_close(run_op(grid_sample("nearest", "border", 0), {x, far}, 16)[0], floats({1, 1, 1, 1}, {30}));
  // Nearest rounds half to even: pixels 0.5 -> 0 and 1.5 -> 2.
  Tensor half = floats({1, 1, 2, 2}, {-0.5f, 0, 0.5f, 0});
  expect_equal(run_op(grid_sample("nearest", "zeros", 1), {x, half}, 16)[0], floats({1, 1, 1, 2}, {10, 30}));
  // Opset 20 names.
  expect_close(run_op(grid_sample("linear", "border", 1), {x, g}, 20)[0], floats({1, 1, 1, 1}, {10}));
  EXPECT_FALSE(try_run_op(grid_sample("area", "zeros", 0), {x, g}, 16).is_ok());
  EXPECT_FALSE(try_run_op(grid_sample("bilinear", "zeros", 0), {x, floats({1, 1, 1, 3}, {0, 0, 0})}, 16).is_ok());
  EXPECT_FALSE(try_run_op(grid_sample("bilinear", "zeros", 0), {x, floats({2, 1, 1, 2}, {0, 0, 0, 0})}, 16).is_ok());
}

TEST(NnRoiAlign, AveragesBilinearSamples) {
  // A ramp f(y, x) = x: averages of samples equal the mean sample column.
  std::vector<float> ramp;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) ramp.push_back(static_cast<float>(j));
  Tensor x = floats({1, 1, 4, 4}, ramp);
  Tensor rois = floats({1, 4}, {0, 0, 3, 3});
  Tensor batch = Tensor::from_vector<int64_t>({1}, {0});
  auto roi_align = [](const char* ctm, const char* mode, int64_t ratio) {
    return make_node("RoiAlign", 3, 1, {{"coordinate_transformation_mode", Attribute::of_string(ctm)},
                                        {"mode", Attribute::of_string(mode)},
                                        {"sampling_ratio", Attribute::of_int(ratio)}});
  };
  // output_half_pixel: samples at 0.75 and 2.25; half_pixel shifts the box by -0.5.
  expect_close(run_op(roi_align("output_half_pixel", "avg", 2), {x, rois, batch}, 16)[0], floats({1, 1, 1, 1}, {1.5}));
  expect_close(run_op(roi_align("half_pixel", "avg", 2), {x, rois, batch}, 16)[0], floats({1, 1, 1, 1}, {1.0}));
  // One sample on a whole pixel: max mode returns that pixel.
  Tensor box = floats({1, 4}, {0, 0, 2, 2});
  expect_close(run_op(roi_align("output_half_pixel", "max", 1), {x, box, batch}, 16)[0], floats({1, 1, 1, 1}, {1}));
  // A 2x2 output over a constant image is constant.
  Tensor c = floats({1, 2, 3, 3}, std::vector<float>(18, 2.5f));
  auto y = run_op(make_node("RoiAlign", 3, 1, {{"output_height", Attribute::of_int(2)}, {"output_width", Attribute::of_int(2)}}),
                  {c, floats({1, 4}, {0.5f, 0.5f, 2, 2}), batch}, 16)[0];
  expect_close(y, floats({1, 2, 2, 2}, std::vector<float>(8, 2.5f)));
  EXPECT_FALSE(try_run_op(roi_align("half_pixel", "avg", 0), {x, rois, Tensor::from_vector<int64_t>({1}, {1})}, 16).is_ok());
  EXPECT_FALSE(try_run_op(roi_align("half_pixel", "avg", 0), {x, floats({1, 3}, {0, 0, 1}), batch}, 16).is_ok());
  EXPECT_FALSE(try_run_op(roi_align("half_pixel", "median", 0), {x, rois, batch}, 16).is_ok());
}

}  // namespace
}  // namespace lacuna::test
