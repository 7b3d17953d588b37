// The machine's fp32 FMA peak: a register-only loop of independent FMA chains per ISA tier.
#pragma once

#include <cstdint>

namespace lacuna::kernels {

// Each runs `iters` rounds and returns the FLOPs it performed.
double fma_probe_avx512(int64_t iters);
double fma_probe_avx2(int64_t iters);

// GFLOP/s of one core on the widest ISA enabled (best of a few ~20 ms runs; measured once).
double fp32_peak_gflops_per_core();

}  // namespace lacuna::kernels
