// score_bench: runs the registered benchmarks (see bench.h and README.md) after measuring the
// machine's SIMD peak in the same process, so every figure can be read as a ratio.
//   score_bench [--quick] [--model=PATH] [filter]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench.h"

namespace sw {
namespace bench {
namespace {

std::vector<std::pair<std::string, BenchFn>>& Registry() {
  static std::vector<std::pair<std::string, BenchFn>> registry;  // built before main runs
  return registry;
}

volatile float g_sink;

}  // namespace

bool Register(const char* name, BenchFn fn) {
  Registry().emplace_back(name, fn);
  return true;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double MedianSeconds(const std::function<void()>& fn, int reps, double warmup_s) {
  const double t0 = Now();
  do {
    fn();  // at least once, so the timed runs use code V8 has already seen run
  } while (Now() - t0 < warmup_s);
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const double start = Now();
    fn();
    times.push_back(Now() - start);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

PeakRelative TimeRelativeToPeak(const std::function<void()>& fn, double flops, int reps,
                                double warmup_s) {
  const double t0 = Now();
  do {
    fn();
  } while (Now() - t0 < warmup_s);
  std::vector<double> times, fractions;
  for (int r = 0; r < reps; ++r) {
    const double start = Now();
    fn();
    const double seconds = Now() - start;
    times.push_back(seconds);
    fractions.push_back(flops / seconds * 1e-9 / MeasurePeakGflops(1, 0.0));
  }
  std::sort(times.begin(), times.end());
  std::sort(fractions.begin(), fractions.end());
  return {times[times.size() / 2], fractions[fractions.size() / 2]};
}

void DoNotOptimize(float value) { g_sink = value; }

}  // namespace bench
}  // namespace sw

int main(int argc, char** argv) {
  sw::bench::Context ctx;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      ctx.quick = true;
    } else if (std::strncmp(argv[i], "--model=", 8) == 0) {
      ctx.model = argv[i] + 8;
    } else if (std::strcmp(argv[i], "--help") == 0 || argv[i][0] == '-') {
      std::printf(
          "usage: score_bench [--quick] [--model=PATH] [filter]\n  runs benchmarks whose name "
          "contains filter; --quick: short warm-up, few repetitions; --model: the model file of "
          "the benchmarks that load one\nbenchmarks:\n");
      for (const auto& entry : sw::bench::Registry()) std::printf("  %s\n", entry.first.c_str());
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    } else {
      filter = argv[i];
    }
  }

  auto& registry = sw::bench::Registry();
  std::sort(registry.begin(), registry.end());
  std::printf("score_bench: SIMD target %s, 1 thread%s\n", sw::bench::SimdTargetName(),
              ctx.quick ? ", --quick (figures are rough)" : "");
  ctx.peak_gflops = sw::bench::MeasurePeakGflops(ctx.quick ? 3 : 9, ctx.quick ? 0.3 : 3.0);
  std::printf("peak: %.1f GFLOP/s (f32 vector mul+add, 12 independent accumulators, median)\n\n",
              ctx.peak_gflops);
  std::fflush(stdout);

  int ran = 0;
  for (const auto& entry : registry) {
    if (entry.first.find(filter) == std::string::npos) continue;
    entry.second(ctx);
    std::fflush(stdout);
    ++ran;
  }
  if (ran == 0) {
    std::fprintf(stderr, "no benchmark matches '%s'\n", filter.c_str());
    return 1;
  }
  return 0;
}
