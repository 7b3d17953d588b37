// Large, aligned allocations: 64-byte aligned; blocks of 2 MiB or more are 2 MiB aligned and
// advised to use transparent huge pages (kernels stride across channel planes and weight panels,
// so TLB reach matters).
#pragma once

#include <cstddef>
#include <memory>

namespace lacuna {

void* allocate_aligned(size_t bytes);
void free_aligned(void* p);
// A shared_ptr owning allocate_aligned memory.
std::shared_ptr<void> allocate_shared(size_t bytes);

}  // namespace lacuna
