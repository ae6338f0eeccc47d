#include "core/thread_pool.h"

#include <algorithm>

namespace sw {

ThreadPool::ThreadPool(size_t num_threads) {
  const size_t workers = num_threads > 1 ? num_threads - 1 : 0;
  workers_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

namespace {

// Spins (bounded: some tens of microseconds) until done() holds. Sampling runs one ParallelFor per
// step, often under a millisecond each: sleeping on a condition variable between them costs a
// futex wake-up per step (tens of microseconds, more in WebAssembly), which spinning first avoids.
template <typename Done>
bool SpinUntil(Done done) {
  for (int i = 0; i < 20000; ++i) {
    if (done()) return true;
  }
  return done();
}

}  // namespace

// Claims tasks until none is left; called by the workers and the caller alike.
void ThreadPool::RunTasks() {
  for (;;) {
    const size_t task = next_task_.fetch_add(1);
    if (task >= num_tasks_) return;
    (*fn_)(task);
  }
}

void ThreadPool::WorkerLoop(size_t index) {
  uint64_t seen = 0;
  for (;;) {
    SpinUntil([&] { return generation_.load() != seen || stop_.load(); });
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Join a call only if this worker is within its thread budget and the call is still running
      // (decided under the lock, so the caller never returns while a worker is about to start).
      for (;;) {
        if (stop_) return;
        if (generation_ != seen) {
          seen = generation_;
          if (index < active_workers_) break;
        }
        start_cv_.wait(lock);
      }
      ++busy_;
    }
    RunTasks();
    bool last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last = --busy_ == 0;
    }
    if (last) done_cv_.notify_all();
  }
}

void ThreadPool::ParallelFor(size_t num_tasks, const std::function<void(size_t)>& fn,
                             size_t max_threads) {
  if (num_tasks == 0) return;
  const size_t threads = max_threads == 0 ? num_threads() : std::min(max_threads, num_threads());
  if (threads <= 1 || num_tasks == 1) {
    for (size_t t = 0; t < num_tasks; ++t) fn(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    num_tasks_ = num_tasks;
    next_task_ = 0;
    active_workers_ = std::min(threads - 1, num_tasks - 1);
    ++generation_;
  }
  start_cv_.notify_all();
  RunTasks();
  // Every task is claimed; wait until no worker is still running one. A worker that wakes later
  // finds the call over (active_workers_ = 0) and goes back to waiting.
  SpinUntil([&] { return busy_.load() == 0; });
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  active_workers_ = 0;
  fn_ = nullptr;
}

void ForEachChunk(ThreadPool* pool, size_t n, size_t min_chunk, size_t max_chunk,
                  const std::function<void(size_t, size_t)>& fn, size_t max_threads) {
  if (n == 0) return;
  const size_t threads = ChunkThreads(pool, max_threads);
  constexpr size_t kTasksPerThread = 32;
  const size_t chunk = std::max<size_t>(
      1, std::min(max_chunk, std::max(min_chunk, (n + kTasksPerThread * threads - 1) /
                                                     (kTasksPerThread * threads))));
  const size_t num_chunks = (n + chunk - 1) / chunk;
  auto run = [&](size_t c) { fn(c * chunk, std::min(n, (c + 1) * chunk)); };
  if (threads == 1) {
    for (size_t c = 0; c < num_chunks; ++c) run(c);
  } else {
    pool->ParallelFor(num_chunks, run, threads);
  }
}

void Parallel::For(size_t n, size_t min_chunk, size_t parts_per_thread,
                   const std::function<void(size_t, size_t)>& fn) const {
  if (n == 0) return;
  const size_t t = threads();
  if (t == 1) {
    fn(0, n);
    return;
  }
  // parts near-equal chunks (their sizes differ by at most one item), so that no thread is left
  // with a short remainder while another still works on a whole chunk.
  const size_t parts = std::min(t * std::max<size_t>(parts_per_thread, 1),
                                std::max<size_t>(1, n / std::max<size_t>(min_chunk, 1)));
  pool->ParallelFor(
      parts, [&](size_t i) { fn(i * n / parts, (i + 1) * n / parts); }, t);
}

size_t ChunkThreads(const ThreadPool* pool, size_t max_threads) {
  if (pool == nullptr) return 1;
  return max_threads == 0 ? pool->num_threads() : std::min(max_threads, pool->num_threads());
}

}  // namespace sw
