// The CLI's view of the machine: per-core fp32 peak (measured by the kernels' FMA probe) and
// the CPUs the runtime may use.
#include "peak.h"

#include "kernels/probe/fma_probe.h"
#include "runtime/thread_pool.h"

namespace lacuna::cli {

double peak_gflops_per_core() { return kernels::fp32_peak_gflops_per_core(); }

int runtime_cpus() { return runtime::available_cpus(); }

}  // namespace lacuna::cli
