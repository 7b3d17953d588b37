// The persistent thread pool every kernel's parallel work runs on. Kernels describe work as
// ranges or per-thread partitions; this maps them onto threads. The calling thread takes part
// as thread 0. Workers spin briefly between jobs (consecutive layers are microseconds apart),
// then sleep on a futex, and yield while spinning so that an oversubscribed machine degrades
// gracefully.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace lacuna::runtime {

// A non-owning reference to a callable (cheaper than std::function on hot paths).
template <class Sig>
class FunctionRef;
template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
        }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

class ThreadPool {
 public:
  // `cpus`: logical CPUs to pin thread i to (cpus[i % size]); empty means no pinning.
  explicit ThreadPool(int num_threads, std::vector<int> cpus = {});
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(tid, nthreads) once on each of the pool's threads, and waits. A call from inside
  // a parallel region runs fn(0, 1) on the calling thread.
  void parallel(FunctionRef<void(int, int)> fn);
  // Splits [0, n) into at most num_threads contiguous chunks of >= grain items and calls
  // fn(begin, end) on each, in parallel.
  void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn);
  // Hands out items [0, n) one at a time (for uneven items).
  void parallel_for_dynamic(int64_t n, FunctionRef<void(int64_t)> fn);

 private:
  struct Shared;
  void worker_main(int tid);
  void start_workers();

  int num_threads_;
  std::vector<int> cpus_;
  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> workers_;
};

// Number of logical CPUs this process may run on.
int available_cpus();
// The CPUs in the process's affinity mask, in order.
std::vector<int> allowed_cpus();

}  // namespace lacuna::runtime
