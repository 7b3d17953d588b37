// Limits for control-flow ops.
#pragma once

#include <cstdint>

namespace lacuna::ops {

// A Loop that runs more iterations than this fails instead of running (nearly) forever. The
// default (2^32) only stops runaway models; the fuzzer lowers it.
void set_max_loop_iterations(int64_t n);

}  // namespace lacuna::ops
