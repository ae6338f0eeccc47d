// ThreadPool: a fixed set of worker threads that run the tasks of one ParallelFor at a time.
// Determinism does not rest on the split: callers parallelise only over items (samples, rows) whose
// results depend on nothing but the item, so any split gives bit-identical results.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sw {

class ThreadPool {
 public:
  // Starts `num_threads - 1` workers; the calling thread is the last one. num_threads >= 1.
  explicit ThreadPool(size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t num_threads() const { return workers_.size() + 1; }

  // Runs fn(task) for task in [0, num_tasks) on at most `max_threads` threads (0 = all) and
  // returns when all have finished. Not re-entrant: fn must not call ParallelFor.
  void ParallelFor(size_t num_tasks, const std::function<void(size_t)>& fn, size_t max_threads = 0);

 private:
  void WorkerLoop(size_t index);
  void RunTasks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  // Written under mu_; the atomics are also read without it, to spin briefly before sleeping.
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t num_tasks_ = 0, active_workers_ = 0;
  std::atomic<size_t> next_task_{0}, busy_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
};

// Runs fn(begin, end) over [0, n) in contiguous chunks, on `pool` (at most max_threads threads,
// 0 = all) when given, else inline. Chunks hold about n / (32 × threads) items, clamped to
// [min_chunk, max_chunk]: many per thread, so that a thread slowed down by a shared core is
// balanced out, yet few enough that the per-task cost stays small next to the work. Callers must
// not depend on the boundaries: every item's result must be a function of the item alone.
void ForEachChunk(ThreadPool* pool, size_t n, size_t min_chunk, size_t max_chunk,
                  const std::function<void(size_t, size_t)>& fn, size_t max_threads = 0);

// How many threads ForEachChunk(pool, ..., max_threads) runs on: 1 without a pool.
size_t ChunkThreads(const ThreadPool* pool, size_t max_threads);

// Where a computation may split its own work: on `pool` (null: inline on the calling thread) with
// at most max_threads of its threads (0 = all). The U-Net's layers take one so that a single image
// can use every thread. A caller splits only over items whose results do not depend on the split
// (pixels, channel groups, rows), so the bits are the same on any number of threads. A task
// running on the pool must pass the default (inline): ParallelFor is not re-entrant.
struct Parallel {
  ThreadPool* pool = nullptr;
  size_t max_threads = 0;

  size_t threads() const { return ChunkThreads(pool, max_threads); }
  // fn(begin, end) over [0, n) in parts_per_thread near-equal chunks per thread, or fewer so that
  // each holds at least min_chunk items (all of [0, n) when n < min_chunk); inline, as one call
  // fn(0, n), on a single thread.
  void For(size_t n, size_t min_chunk, size_t parts_per_thread,
           const std::function<void(size_t, size_t)>& fn) const;
};

}  // namespace sw
