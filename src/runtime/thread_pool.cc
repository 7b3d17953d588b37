// OpenMP-backed implementation of ThreadPool.
#include "runtime/thread_pool.h"

#ifdef _OPENMP
#include <omp.h>
#else
// Without OpenMP (the fuzzing build) the pool runs everything on the calling thread.
inline int omp_get_thread_num() { return 0; }
inline int omp_get_num_threads() { return 1; }
inline void omp_set_num_threads(int) {}
#endif
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>

namespace lacuna::runtime {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

int available_cpus() { return static_cast<int>(allowed_cpus().size()); }

ThreadPool::ThreadPool(int num_threads, std::vector<int> cpus)
    : num_threads_(std::max(1, num_threads)), cpus_(std::move(cpus)) {}

void ThreadPool::bind_to_calling_thread() const { omp_set_num_threads(num_threads_); }

void ThreadPool::pin_if_needed() {
  if (pinned_ || cpus_.empty()) return;
  pinned_ = true;
  const std::vector<int>& cpus = cpus_;
#pragma omp parallel num_threads(num_threads_)
  {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpus[static_cast<size_t>(omp_get_thread_num()) % cpus.size()], &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  }
}

void ThreadPool::parallel(FunctionRef<void(int, int)> fn) {
  if (num_threads_ == 1) {
    fn(0, 1);
    return;
  }
  pin_if_needed();
#pragma omp parallel num_threads(num_threads_)
  fn(omp_get_thread_num(), omp_get_num_threads());
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = std::min<int64_t>(num_threads_, (n + grain - 1) / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  pin_if_needed();
#pragma omp parallel num_threads(static_cast<int>(chunks))
  {
    const int64_t t = omp_get_thread_num();
    const int64_t nt = omp_get_num_threads();
    const int64_t begin = n * t / nt;
    const int64_t end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end);
  }
}

void ThreadPool::parallel_for_dynamic(int64_t n, FunctionRef<void(int64_t)> fn) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  pin_if_needed();
  std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(static_cast<int>(std::min<int64_t>(num_threads_, n)))
  for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
}

}  // namespace lacuna::runtime
