// Counts heap allocations made by any thread while counting is on. The test executable that
// links alloc_counter.cc replaces malloc, calloc, realloc and the aligned allocators (operator
// new and std::aligned_alloc reach them too), forwarding to glibc.
#pragma once

#include <cstdint>

namespace lacuna::test {

// False in sanitizer builds, whose runtimes own malloc: nothing is counted there.
bool allocation_counting_available();

// Allocations made while `fn` runs, on any thread. With LACUNA_ALLOC_TRACE=1 in the environment,
// each counted allocation prints its size and a backtrace to stderr.
template <class F>
int64_t count_allocations(F&& fn);

void start_counting_allocations();
int64_t stop_counting_allocations();

template <class F>
int64_t count_allocations(F&& fn) {
  start_counting_allocations();
  fn();
  return stop_counting_allocations();
}

}  // namespace lacuna::test
