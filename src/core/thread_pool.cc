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

// Claims tasks one at a time until none is left; called by the workers and the caller alike.
void ThreadPool::RunTasks() {
  for (;;) {
    size_t task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (next_task_ >= num_tasks_) return;
      task = next_task_++;
    }
    (*fn_)(task);
  }
}

void ThreadPool::WorkerLoop(size_t index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // A worker joins a ParallelFor only if its index is below that call's thread budget.
      start_cv_.wait(lock, [&] { return stop_ || (generation_ != seen && index < active_workers_); });
      if (stop_) return;
      seen = generation_;
      ++busy_;
    }
    RunTasks();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --busy_;
    }
    done_cv_.notify_all();
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
  // Wait until every task is claimed and no worker is still running one; a worker that wakes late
  // finds no task left and leaves at once, so it never touches the next call's state.
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return busy_ == 0; });
  active_workers_ = 0;
  fn_ = nullptr;
}

void ForEachChunk(ThreadPool* pool, size_t n, size_t chunk,
                  const std::function<void(size_t, size_t)>& fn, size_t max_threads) {
  if (n == 0) return;
  const size_t num_chunks = (n + chunk - 1) / chunk;
  auto run = [&](size_t c) { fn(c * chunk, std::min(n, (c + 1) * chunk)); };
  if (pool == nullptr) {
    for (size_t c = 0; c < num_chunks; ++c) run(c);
  } else {
    pool->ParallelFor(num_chunks, run, max_threads);
  }
}

}  // namespace sw
