// Aligned allocation with transparent-huge-page advice for big blocks.
#include "core/memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace lacuna {

namespace {
constexpr size_t kHuge = size_t{2} << 20;
std::atomic<int64_t> g_mapped{0};
}  // namespace

int64_t mapped_blocks() { return g_mapped.load(std::memory_order_relaxed); }

void* allocate_aligned(size_t bytes) {
  const size_t align = bytes >= kHuge ? kHuge : 64;
  const size_t size = (std::max<size_t>(bytes, 1) + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size);
  if (p && bytes >= kHuge) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void free_aligned(void* p) { std::free(p); }

std::shared_ptr<void> allocate_shared(size_t bytes, bool zeroed) {
  constexpr size_t kMapped = size_t{1} << 20;
  if (bytes < kMapped) {
    void* p = allocate_aligned(bytes);
    if (!p) return nullptr;
    if (zeroed) std::memset(p, 0, bytes);
    return std::shared_ptr<void>(p, free_aligned);
  }
  // Over-map by the alignment and unmap the slack on both sides (fresh mappings are zero).
  const size_t align = bytes >= kHuge ? kHuge : size_t{4096};
  const size_t size = (bytes + 4095) / 4096 * 4096;
  const size_t span = size + (align > 4096 ? align : 0);
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  g_mapped.fetch_add(1, std::memory_order_relaxed);
  auto* base = static_cast<char*>(raw);
  const uintptr_t start = (reinterpret_cast<uintptr_t>(base) + align - 1) / align * align;
  auto* p = reinterpret_cast<char*>(start);
  if (p > base) munmap(base, static_cast<size_t>(p - base));
  if (base + span > p + size) munmap(p + size, static_cast<size_t>(base + span - (p + size)));
  if (bytes >= kHuge) madvise(p, size, MADV_HUGEPAGE);
  return std::shared_ptr<void>(p, [size](void* q) { munmap(q, size); });
}

}  // namespace lacuna
