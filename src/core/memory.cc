// Aligned allocation with transparent-huge-page advice for big blocks.
#include "core/memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

namespace lacuna {

namespace {
constexpr size_t kHuge = size_t{2} << 20;
}

void* allocate_aligned(size_t bytes) {
  const size_t align = bytes >= kHuge ? kHuge : 64;
  const size_t size = (std::max<size_t>(bytes, 1) + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size);
  if (p && bytes >= kHuge) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void free_aligned(void* p) { std::free(p); }

std::shared_ptr<void> allocate_shared(size_t bytes) {
  void* p = allocate_aligned(bytes);
  if (!p) return nullptr;
  return std::shared_ptr<void>(p, free_aligned);
}

}  // namespace lacuna
