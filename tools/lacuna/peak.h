// The machine's fp32 peak per core (measured once by an FMA probe) and the usable CPU count.
#pragma once

namespace lacuna::cli {

double peak_gflops_per_core();
int runtime_cpus();

}  // namespace lacuna::cli
