// The counting malloc family: forwards to glibc's __libc_* entry points and counts calls made
// while counting is on. Only this test executable gets these definitions.
#include "alloc_counter.h"

#include <execinfo.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/memory.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(__SANITIZE_MEMORY__)
#define LACUNA_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define LACUNA_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef LACUNA_COUNT_ALLOCATIONS
#define LACUNA_COUNT_ALLOCATIONS 1
#endif

namespace lacuna::test {

namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_count{0};
int64_t g_mapped_at_start = 0;
bool g_trace = false;
thread_local bool t_in_hook = false;

void note_allocation(size_t bytes) {
  if (!g_counting.load(std::memory_order_relaxed) || t_in_hook) return;
  g_count.fetch_add(1, std::memory_order_relaxed);
  if (!g_trace) return;
  t_in_hook = true;
  char line[64];
  const int n = std::snprintf(line, sizeof(line), "allocation of %zu bytes:\n", bytes);
  if (n > 0) (void)!write(STDERR_FILENO, line, static_cast<size_t>(n));
  void* frames[48];
  const int depth = backtrace(frames, 48);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  t_in_hook = false;
}

}  // namespace

bool allocation_counting_available() { return LACUNA_COUNT_ALLOCATIONS != 0; }

void start_counting_allocations() {
  const char* trace = std::getenv("LACUNA_ALLOC_TRACE");
  g_trace = trace && std::strcmp(trace, "0") != 0;
  if (g_trace) {  // backtrace() allocates the first time it loads the unwinder: not in the count
    void* frames[4];
    (void)backtrace(frames, 4);
  }
  g_count.store(0);
  g_mapped_at_start = mapped_blocks();
  g_counting.store(true);
}

int64_t stop_counting_allocations() {
  g_counting.store(false);
  // Blocks of 1 MiB or more are mapped directly (allocate_shared), past malloc.
  return g_count.load() + (mapped_blocks() - g_mapped_at_start);
}

}  // namespace lacuna::test

#if LACUNA_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
  lacuna::test::note_allocation(n);
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  lacuna::test::note_allocation(n * size);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  lacuna::test::note_allocation(n);
  return __libc_realloc(p, n);
}
void* memalign(size_t align, size_t n) {
  lacuna::test::note_allocation(n);
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) {
  lacuna::test::note_allocation(n);
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  lacuna::test::note_allocation(n);
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif
