// Large, aligned allocations: 64-byte aligned; blocks of 2 MiB or more are 2 MiB aligned and
// advised to use transparent huge pages (kernels stride across channel planes and weight panels,
// so TLB reach matters).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace lacuna {

void* allocate_aligned(size_t bytes);
void free_aligned(void* p);
// A shared_ptr owning 64-byte aligned memory (zero-filled when `zeroed`). Blocks of 1 MiB or
// more are mapped from the system directly (2 MiB aligned beyond 2 MiB) and unmapped when freed,
// so that freed weights and activations leave the process instead of fragmenting the heap.
std::shared_ptr<void> allocate_shared(size_t bytes, bool zeroed = false);
// How many blocks allocate_shared has mapped from the system so far (malloc does not see them:
// tests that count allocations add these).
int64_t mapped_blocks();

}  // namespace lacuna
