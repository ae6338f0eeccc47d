#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
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
    pool.ParallelFor(
        64,
        [&](size_t) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          std::lock_guard<std::mutex> lock(mu);
          ids.insert(std::this_thread::get_id());
        },
        limit);
    return ids.size();
  };
  EXPECT_EQ(threads_used(1), 1u);
  EXPECT_LE(threads_used(2), 2u);
  EXPECT_GE(threads_used(0), 2u);  // sleeping tasks leave time for the workers to join
}

TEST(ThreadPool, ForEachChunkCoversTheRangeOnceInClampedChunks) {
  ThreadPool pool(2);
  struct Case {
    ThreadPool* pool;
    size_t n, min_chunk, max_chunk, expected_chunks;
  };
  for (const Case& c : {Case{nullptr, 1000, 8, 1024, 32},  // one thread: 32 chunks of 32
                        Case{&pool, 1000, 8, 1024, 63},    // two threads: chunks of 16
                        Case{&pool, 1000, 200, 1024, 5},   // at least 200 per chunk
                        Case{&pool, 100000, 8, 1024, 98},  // at most 1024 per chunk
                        Case{&pool, 3, 8, 1024, 1}, Case{&pool, 0, 8, 1024, 0}}) {
    std::vector<std::atomic<int>> hits(c.n);
    std::mutex mu;
    std::set<std::pair<size_t, size_t>> chunks;
    ForEachChunk(c.pool, c.n, c.min_chunk, c.max_chunk, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i]++;
      std::lock_guard<std::mutex> lock(mu);
      chunks.insert({b, e});
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    EXPECT_EQ(chunks.size(), c.expected_chunks) << "n " << c.n;
  }
}

// Parallel::For: parts_per_thread near-equal parts per thread (sizes within one item of each
// other), fewer when min_chunk asks for it, one inline call on a single thread.
TEST(ThreadPool, ParallelForSplitsIntoNearEqualParts) {
  ThreadPool pool(2);
  struct Case {
    ThreadPool* pool;
    size_t n, min_chunk, parts_per_thread, expected_parts, smallest, largest;
  };
  for (const Case& c : {Case{nullptr, 49, 1, 4, 1, 49, 49},  // inline: one call
                        Case{&pool, 10, 1, 4, 8, 1, 2},      // 10 row blocks: 8 parts of 1-2
                        Case{&pool, 157, 1, 4, 8, 19, 20},
                        Case{&pool, 100, 30, 4, 3, 33, 34},  // at least 30 items per part
                        Case{&pool, 5, 16, 4, 1, 5, 5},      // fewer items than min_chunk
                        Case{&pool, 0, 1, 4, 0, 0, 0}}) {
    std::vector<std::atomic<int>> hits(c.n);
    std::mutex mu;
    std::vector<size_t> sizes;
    Parallel{c.pool, 0}.For(c.n, c.min_chunk, c.parts_per_thread, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) hits[i]++;
      std::lock_guard<std::mutex> lock(mu);
      sizes.push_back(e - b);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "n " << c.n;
    ASSERT_EQ(sizes.size(), c.expected_parts) << "n " << c.n;
    if (sizes.empty()) continue;
    EXPECT_EQ(*std::min_element(sizes.begin(), sizes.end()), c.smallest) << "n " << c.n;
    EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), c.largest) << "n " << c.n;
  }
}

}  // namespace
}  // namespace sw
