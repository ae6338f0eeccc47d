#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace sw {
namespace {

TEST(ThreadPool, RunsEveryTaskExactlyOnce) {
  for (size_t threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (size_t tasks : {0, 1, 2, 5, 64, 1000}) {
      std::vector<std::atomic<int>> hits(tasks);
      pool.ParallelFor(tasks, [&](size_t t) { hits[t]++; });
      for (size_t t = 0; t < tasks; ++t) ASSERT_EQ(hits[t].load(), 1) << threads << " threads";
    }
  }
}

TEST(ThreadPool, UsesSeveralThreadsAndRespectsTheLimit) {
  ThreadPool pool(3);
  auto threads_used = [&](size_t limit) {
    std::mutex mu;
    std::set<std::thread::id> ids;
    pool.ParallelFor(64, [&](size_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    }, limit);
    return ids.size();
  };
  EXPECT_EQ(threads_used(1), 1u);
  EXPECT_LE(threads_used(2), 2u);
  EXPECT_GE(threads_used(0), 2u);  // sleeping tasks leave time for the workers to join
}

TEST(ThreadPool, ForEachChunkCoversTheRangeInFixedChunks) {
  ThreadPool pool(2);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    std::vector<std::atomic<int>> hits(1000);
    std::mutex mu;
    std::set<std::pair<size_t, size_t>> chunks;
    ForEachChunk(p, 1000, 64, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i]++;
      std::lock_guard<std::mutex> lock(mu);
      chunks.insert({b, e});
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    EXPECT_EQ(chunks.size(), 16u);
    EXPECT_EQ(chunks.count({960, 1000}), 1u);
  }
}

}  // namespace
}  // namespace sw
