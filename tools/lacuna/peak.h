// The machine's fp32 peak, measured once (a short FMA loop on each ISA tier's widest vectors).
#pragma once

namespace lacuna::cli {

double peak_gflops_per_core();
int runtime_cpus();

}  // namespace lacuna::cli
