// score_bench: runs the registered benchmarks (see bench.h and README.md) after measuring the
// machine's SIMD peak in the same process, so every figure can be read as a ratio.
//   score_bench [--quick] [--model=PATH] [filter]
#include <algorithm>
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

}  // namespace

bool Register(const char* name, BenchFn fn) {
  Registry().emplace_back(name, fn);
  return true;
}

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
