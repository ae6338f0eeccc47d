// The cost of one ParallelFor on two threads with (almost) no work in it: what each layer of the
// U-Net pays to split one image over the threads (about 37 calls per network evaluation).
#include <atomic>
#include <cstdio>

#include "bench.h"
#include "core/thread_pool.h"

namespace sw {
namespace {

SW_BENCHMARK(ThreadPoolOverhead) {
  ThreadPool pool(2);
  std::atomic<size_t> sink{0};
  const int calls = ctx.quick ? 1000 : 20000;
  const double seconds = bench::MedianSeconds(
      [&] {
        for (int i = 0; i < calls; ++i) {
          pool.ParallelFor(4, [&](size_t t) { sink.fetch_add(t, std::memory_order_relaxed); });
        }
      },
      ctx.quick ? 3 : 9, ctx.quick ? 0.1 : 1.0);
  std::printf("ThreadPoolOverhead: %.2f us per ParallelFor of 4 empty tasks on 2 threads\n\n",
              seconds / calls * 1e6);
}

}  // namespace
}  // namespace sw
