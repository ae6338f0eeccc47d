// The timing helpers of bench.h: a monotonic clock, medians after a time-based warm-up, and the
// ratio of a run to the peak measured right after it. Shared by score_bench and the peak module of
// the peer benchmark (bench/peers).
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "bench.h"

namespace sw {
namespace bench {
namespace {

volatile float g_sink;

}  // namespace

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
