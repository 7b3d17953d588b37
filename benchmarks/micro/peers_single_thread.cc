// The comparison libraries run on one thread, like Lacuna's microbenchmarks: oneDNN's OpenMP
// runtime is capped before any benchmark runs.
#ifdef LACUNA_BENCH_WITH_DNNL
extern "C" void omp_set_num_threads(int);

namespace lacuna::bench {
namespace {

const int single_threaded = [] {
  omp_set_num_threads(1);
  return 0;
}();

}  // namespace
}  // namespace lacuna::bench
#endif
