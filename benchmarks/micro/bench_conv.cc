// Convolution GFLOP/s on model shapes (1 thread): Lacuna's NCHW GEMM / depthwise kernels, its
// channel-blocked (NCHWc) kernels and, for comparison, oneDNN's convolution in its preferred
// (blocked) layout. Every variant fuses bias + ReLU.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/cpu.h"
#include "core/memory.h"
#include "kernels/dense/blocked.h"
#include "kernels/dense/blocked_conv2d.h"
#include "kernels/dense/blocked_depthwise.h"
#include "kernels/dense/conv2d.h"
#include "kernels/dense/depthwise.h"
#include "kernels/probe/fma_probe.h"
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

// 64-byte aligned floats (blocked kernels load whole cache lines).
std::shared_ptr<float> aligned_floats(int64_t n) {
  return std::static_pointer_cast<float>(allocate_shared(static_cast<size_t>(n) * sizeof(float)));
}

// Blocked input and output (a first layer with <= 4 channels reads plain NCHW); the timed loop
// is the convolution alone, borders included (they are handled inside the kernel).
void run_lacuna_nchwc(benchmark::State& st, Conv2dShape s) {
  const kernels::BlockedKernels& k = kernels::select_blocked_kernels(cpu_info());
  const bool depthwise = s.groups == s.c && s.k == s.c;
  const bool plain = !depthwise && s.c <= 4;
  const auto x = random_vec(static_cast<size_t>(s.n * s.c * s.h * s.w));
  const auto w = random_vec(static_cast<size_t>(s.k * s.cg() * s.r * s.s));
  const auto b = random_vec(static_cast<size_t>(s.k));
  auto xb = aligned_floats(plain ? s.n * s.c * s.h * s.w : kernels::blocked_floats(s.n, s.c, s.h, s.w, k.block));
  if (plain) {
    std::copy(x.begin(), x.end(), xb.get());
  } else {
    kernels::nchw_to_blocked(k, x.data(), xb.get(), s.c, s.h * s.w, 0, s.n * kernels::channel_blocks(s.c, k.block));
  }
  auto yb = aligned_floats(kernels::blocked_floats(s.n, s.k, s.oh, s.ow, k.block));
  kernels::Epilogue ep;
  ep.row_bias = b.data();
  ep.act = kernels::Activation::kRelu;
  if (depthwise) {
    kernels::BlockedDepthwise2d dw(cpu_info(), s, w.data());
    auto scratch = aligned_floats(dw.scratch_floats());
    const int64_t items = dw.work_items(1);
    for (auto _ : st) dw.run(xb.get(), yb.get(), ep, 0, items, 1, scratch.get());
    st.SetLabel(std::string(k.name) + " depthwise");
  } else {
    kernels::BlockedConv2d conv(cpu_info(), s, w.data(), plain);
    auto scratch = aligned_floats(conv.scratch_floats());
    const int64_t items = conv.work_items(1);
    for (auto _ : st) conv.run(xb.get(), yb.get(), ep, 0, items, 1, scratch.get());
    st.SetLabel(conv.describe());
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
  // Finite random data: uninitialized memory may hold denormals or NaNs, which take slow
  // microcode paths and made oneDNN look 10-50x slower on some shapes.
  for (memory* m : {&sm, &wm, &bm}) {
    const auto v = random_vec(m->get_desc().get_size() / sizeof(float));
    std::copy(v.begin(), v.end(), static_cast<float*>(m->get_data_handle()));
  }
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

// The core's FMA peak, to read the GFLOP/s above as a fraction of it.
void run_fma_peak(benchmark::State& st) {
  double flop = 0;
  for (auto _ : st) flop += cpu_info().has(Isa::kAvx512) ? kernels::fma_probe_avx512(1 << 16) : kernels::fma_probe_avx2(1 << 16);
  st.counters["GFLOP/s"] = benchmark::Counter(flop, benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

int register_all() {
  benchmark::RegisterBenchmark("conv/peak/fma", run_fma_peak);
  for (const auto& row : read_shapes("conv.txt", 10)) {
    const Conv2dShape s = shape_of(row);
    benchmark::RegisterBenchmark(("conv/lacuna/" + row.name).c_str(), run_lacuna, s);
    if (s.groups == 1 || (s.groups == s.c && s.k == s.c)) {
      benchmark::RegisterBenchmark(("conv/lacuna_nchwc/" + row.name).c_str(), run_lacuna_nchwc, s);
    }
#ifdef LACUNA_BENCH_WITH_DNNL
    benchmark::RegisterBenchmark(("conv/onednn/" + row.name).c_str(), run_dnnl, s);
#endif
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace lacuna::bench
