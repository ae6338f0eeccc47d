// ThreadPool: a fixed set of worker threads that run the tasks of one ParallelFor at a time.
// Work is split into tasks by the caller (fixed-size chunks of the batch), never by the thread
// count, so results are bit-identical whatever number of threads runs them.
#pragma once

#include <condition_variable>
#include <cstddef>
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
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t num_tasks_ = 0, next_task_ = 0, active_workers_ = 0, busy_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

// Runs fn(begin, end) over [0, n) in chunks of `chunk` items (the last may be shorter), on `pool`
// when given, else inline. Chunk boundaries depend only on n and chunk.
void ForEachChunk(ThreadPool* pool, size_t n, size_t chunk,
                  const std::function<void(size_t, size_t)>& fn, size_t max_threads = 0);

}  // namespace sw
