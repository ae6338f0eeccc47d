// A tiny benchmark harness for score_bench: a registry that any bench/*.cc file adds to with
// SW_BENCHMARK, timing helpers that report medians, and the machine's SIMD peak for ratios.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace sw {
namespace bench {

// What every benchmark receives.
struct Context {
  bool quick = false;        // --quick: short warm-up and few repetitions (CI smoke run)
  double peak_gflops = 0.0;  // SIMD peak measured at startup in this process, for ratios
  std::string model;  // --model=PATH: the model file of benchmarks that load one ("" = theirs)
};

using BenchFn = void (*)(const Context&);

// Adds a benchmark; main runs those whose name contains the command-line filter. Returns true so
// it can initialise a static (see SW_BENCHMARK).
bool Register(const char* name, BenchFn fn);

// Seconds since an arbitrary origin, monotonic.
double Now();

// Runs fn for about warmup_s seconds (V8 compiles hot WASM functions with its optimising tier only
// after they have run a while), then returns the median of `reps` timed runs in seconds.
double MedianSeconds(const std::function<void()>& fn, int reps, double warmup_s);

// Timing of a kernel together with its ratio to the peak.
struct PeakRelative {
  double seconds;           // median time of one run
  double fraction_of_peak;  // median over runs of (flops / time) / (peak measured right after)
};

// Like MedianSeconds, but also measures the peak for a few milliseconds after each timed run and
// reports the median of the per-run ratios: on a shared machine the load changes during a run, and
// a ratio of neighbouring measurements is much steadier than a ratio of two separate medians.
PeakRelative TimeRelativeToPeak(const std::function<void()>& fn, double flops, int reps,
                                double warmup_s);

// Name of the Highway target the kernels run on ("AVX3", "WASM", ...).
const char* SimdTargetName();

// Throughput-bound f32 multiply + add over independent vector accumulators (the best any kernel
// made of MulAdd can do on one thread): median GFLOP/s over `reps` runs of about 10 ms each after
// warmup_s seconds of warm-up.
double MeasurePeakGflops(int reps, double warmup_s);

// Keeps a computed value alive so the compiler cannot drop the work that produced it.
void DoNotOptimize(float value);

}  // namespace bench
}  // namespace sw

// Defines and registers a benchmark: SW_BENCHMARK(Name) { ... uses ctx ... }
#define SW_BENCHMARK(NAME)                                                  \
  static void NAME(const ::sw::bench::Context& ctx);                        \
  static const bool NAME##_registered = ::sw::bench::Register(#NAME, NAME); \
  static void NAME(const ::sw::bench::Context& ctx)
