// ThreadPool: a generation counter publishes each job; workers spin, then futex-wait on it.
#include "runtime/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LACUNA_CPU_RELAX() _mm_pause()
#else
#define LACUNA_CPU_RELAX() ((void)0)
#endif

namespace lacuna::runtime {

namespace {
thread_local bool t_in_parallel = false;
// Roughly 50-100 us of spinning before sleeping; yield every so often while spinning.
constexpr int kSpinIterations = 20000;
constexpr int kYieldEvery = 256;

void pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}
}  // namespace

struct ThreadPool::Shared {
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<bool> stop{false};
  FunctionRef<void(int, int)>* job = nullptr;
  int job_threads = 0;
};

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
    : num_threads_(std::max(1, num_threads)), cpus_(std::move(cpus)), shared_(std::make_unique<Shared>()) {}

ThreadPool::~ThreadPool() {
  if (workers_.empty()) return;
  shared_->stop.store(true);
  shared_->generation.fetch_add(1);
  shared_->generation.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::start_workers() {
  if (!cpus_.empty()) pin_current_thread(cpus_[0]);
  for (int t = 1; t < num_threads_; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

void ThreadPool::worker_main(int tid) {
  if (!cpus_.empty()) pin_current_thread(cpus_[static_cast<size_t>(tid) % cpus_.size()]);
  Shared& s = *shared_;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = s.generation.load(std::memory_order_acquire);
    for (int spin = 0; g == seen; ++spin) {
      if (spin < kSpinIterations) {
        LACUNA_CPU_RELAX();
        if (spin % kYieldEvery == kYieldEvery - 1) sched_yield();
      } else {
        s.generation.wait(seen, std::memory_order_acquire);
      }
      g = s.generation.load(std::memory_order_acquire);
    }
    seen = g;
    if (s.stop.load()) return;
    if (tid < s.job_threads) {
      t_in_parallel = true;
      (*s.job)(tid, s.job_threads);
      t_in_parallel = false;
    }
    if (s.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) s.pending.notify_one();
  }
}

void ThreadPool::parallel(FunctionRef<void(int, int)> fn) {
  if (num_threads_ == 1 || t_in_parallel) {
    fn(0, 1);
    return;
  }
  if (workers_.empty()) start_workers();
  Shared& s = *shared_;
  s.job = &fn;
  s.job_threads = num_threads_;
  s.pending.store(num_threads_ - 1, std::memory_order_relaxed);
  s.generation.fetch_add(1, std::memory_order_release);
  s.generation.notify_all();
  t_in_parallel = true;
  fn(0, num_threads_);
  t_in_parallel = false;
  for (int spin = 0;; ++spin) {
    const int left = s.pending.load(std::memory_order_acquire);
    if (left == 0) break;
    if (spin < kSpinIterations) {
      LACUNA_CPU_RELAX();
      if (spin % kYieldEvery == kYieldEvery - 1) sched_yield();
    } else {
      s.pending.wait(left, std::memory_order_acquire);
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t chunks = std::min<int64_t>(num_threads_, (n + grain - 1) / grain);
  if (chunks <= 1 || t_in_parallel) {
    fn(0, n);
    return;
  }
  parallel([&](int t, int nt) {
    const int64_t parts = std::min<int64_t>(nt, chunks);
    if (t >= parts) return;
    const int64_t begin = n * t / parts;
    const int64_t end = n * (t + 1) / parts;
    if (begin < end) fn(begin, end);
  });
}

void ThreadPool::parallel_for_dynamic(int64_t n, FunctionRef<void(int64_t)> fn) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1 || t_in_parallel) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  parallel([&](int, int) {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  });
}

}  // namespace lacuna::runtime
