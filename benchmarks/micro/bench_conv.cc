// Convolution GFLOP/s on model shapes (1 thread): Lacuna's NCHW GEMM / depthwise kernels and,
// for comparison, oneDNN's convolution in its preferred (blocked) layout.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/cpu.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/depthwise.h"
#include "shapes.h"
#ifdef LACUNA_BENCH_WITH_DNNL
#include <dnnl.hpp>
#endif

namespace lacuna::bench {
namespace {

using kernels::Conv2dShape;

Conv2dShape shape_of(const ShapeRow& r) {
  Conv2dShape s;
  s.n = r.dims[0]; s.c = r.dims[1]; s.h = r.dims[2]; s.w = r.dims[3]; s.k = r.dims[4];
  s.r = r.dims[5]; s.s = r.dims[6]; s.stride_h = s.stride_w = r.dims[7];
  s.pad_t = s.pad_l = r.dims[8]; s.groups = r.dims[9];
  s.oh = (s.h + 2 * s.pad_t - s.r) / s.stride_h + 1;
  s.ow = (s.w + 2 * s.pad_l - s.s) / s.stride_w + 1;
  return s;
}

double flops(const Conv2dShape& s) { return 2.0 * s.n * s.k * s.oh * s.ow * s.cg() * s.r * s.s; }

std::vector<float> random_vec(size_t n) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

void run_lacuna(benchmark::State& st, Conv2dShape s) {
  const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w));
  const auto w = random_vec(static_cast<size_t>(s.k * s.cg() * s.r * s.s));
  const auto b = random_vec(static_cast<size_t>(s.k));
  std::vector<float> y(static_cast<size_t>(s.n * s.k * s.oh * s.ow));
  kernels::Epilogue ep;
  ep.row_bias = b.data();
  ep.act = kernels::Activation::kRelu;
  if (s.groups == s.c && s.k == s.c) {
    auto fn = kernels::select_depthwise(cpu_info());
    std::vector<float> scratch(static_cast<size_t>(kernels::depthwise_scratch_floats(s)));
    for (auto _ : st) fn(s, x.data(), w.data(), y.data(), ep, 0, s.n * s.c, scratch.data());
  } else {
    kernels::DenseConv2d conv(kernels::select_gemm_kernel(cpu_info()), s, w.data());
    std::vector<float> scratch(static_cast<size_t>(conv.scratch_floats()));
    std::vector<float> padded(static_cast<size_t>(conv.padded_floats()));
    for (auto _ : st) {
      conv.pad_input(x.data(), padded.data(), 0, s.n * s.c);
      conv.run(x.data(), padded.data(), y.data(), ep, 0, conv.work_items(1), 1, scratch.data());
    }
    st.SetLabel(conv.strategy_name());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(flops(s), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}

#ifdef LACUNA_BENCH_WITH_DNNL
void run_dnnl(benchmark::State& st, Conv2dShape s) {
  using namespace dnnl;
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  auto md = [](memory::dims d) { return memory::desc(d, memory::data_type::f32, memory::format_tag::any); };
  memory::dims src = {s.n, s.c, s.h, s.w}, dst = {s.n, s.k, s.oh, s.ow}, bia = {s.k};
  memory::dims wei = s.groups > 1 ? memory::dims{s.groups, s.kg(), s.cg(), s.r, s.s} : memory::dims{s.k, s.c, s.r, s.s};
  auto cd = convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct, md(src), md(wei),
                                      md(bia), md(dst), {s.stride_h, s.stride_w}, {s.pad_t, s.pad_l}, {s.pad_t, s.pad_l});
  post_ops po;
  po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
  primitive_attr attr;
  attr.set_post_ops(po);
  auto pd = convolution_forward::primitive_desc(cd, attr, eng);
  memory sm(pd.src_desc(), eng), wm(pd.weights_desc(), eng), bm(pd.bias_desc(), eng), dm(pd.dst_desc(), eng);
  auto p = convolution_forward(pd);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, sm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_BIAS, bm}, {DNNL_ARG_DST, dm}};
  for (auto _ : st) {
    p.execute(strm, args);
    strm.wait();
  }
  st.SetLabel(pd.impl_info_str());
  st.counters["GFLOP/s"] = benchmark::Counter(flops(s), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}
#endif

int register_all() {
  for (const auto& row : read_shapes("conv.txt", 10)) {
    const Conv2dShape s = shape_of(row);
    benchmark::RegisterBenchmark(("conv/lacuna/" + row.name).c_str(), run_lacuna, s);
#ifdef LACUNA_BENCH_WITH_DNNL
    benchmark::RegisterBenchmark(("conv/onednn/" + row.name).c_str(), run_dnnl, s);
#endif
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace lacuna::bench
