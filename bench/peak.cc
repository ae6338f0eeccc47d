// The machine's SIMD peak for score_bench: f32 multiply + add on independent accumulators, written
// with Highway so it measures the target the kernels use (f32x4 without FMA in WASM, the best
// native target with FMA natively).
#include <algorithm>
#include <vector>

#include "bench.h"

#undef HWY_TARGET_INCLUDE
// bench/ is not an include directory: the path is found through src/, which is.
#define HWY_TARGET_INCLUDE "peak.cc"
#include "kernels/dispatch.h"

HWY_BEFORE_NAMESPACE();
namespace sw {
namespace bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 12 independent chains: enough to cover mul + add latency on two pipes of each (WASM maps
// MulAdd to a mul and an add), and few enough to stay in 16 registers with m and c.
constexpr size_t kAccumulators = 12;

// Runs `iterations` rounds of acc = acc * m + c on every accumulator; returns the number of
// floating-point operations done, and stores a value derived from the result in *sink. Not inlined:
// V8 only swaps in optimised code for a function at its next call, so the hot loop must be in a
// function that is called many times, not inlined into the one timing loop.
HWY_NOINLINE double PeakLoop(size_t iterations, float* sink) {
  const hn::ScalableTag<float> d;
  hn::Vec<decltype(d)> acc[kAccumulators];
  for (size_t j = 0; j < kAccumulators; ++j) acc[j] = hn::Set(d, 0.001f * j);
  // m < 1 and small c keep every accumulator bounded (it converges to c / (1 - m)).
  const auto m = hn::Set(d, 0.999999f);
  const auto c = hn::Set(d, 1e-7f);
  for (size_t i = 0; i < iterations; ++i) {
    for (size_t j = 0; j < kAccumulators; ++j) acc[j] = hn::MulAdd(acc[j], m, c);
  }
  for (size_t j = 1; j < kAccumulators; ++j) acc[0] = hn::Add(acc[0], acc[j]);
  *sink = hn::GetLane(acc[0]);
  return 2.0 * iterations * kAccumulators * hn::Lanes(d);
}

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace bench
}  // namespace sw
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sw {
namespace bench {

HWY_EXPORT(PeakLoop);
HWY_EXPORT(TargetName);

const char* SimdTargetName() { return SW_DISPATCH(TargetName)(); }

double MeasurePeakGflops(int reps, double warmup_s) {
  // Chunks of a few milliseconds, so V8 can swap in optimised code between calls.
  constexpr size_t kChunk = 1 << 18;
  float sink = 0;
  double flops = 0;
  const double t0 = Now();
  while (Now() - t0 < warmup_s) flops += SW_DISPATCH(PeakLoop)(kChunk, &sink);
  DoNotOptimize(sink);
  std::vector<double> gflops;
  for (int r = 0; r < reps; ++r) {
    const double start = Now();
    flops = 0;
    for (int i = 0; i < 16; ++i) flops += SW_DISPATCH(PeakLoop)(kChunk, &sink);
    gflops.push_back(flops / (Now() - start) * 1e-9);
    DoNotOptimize(sink);
  }
  std::sort(gflops.begin(), gflops.end());
  return gflops[gflops.size() / 2];
}

}  // namespace bench
}  // namespace sw
#endif  // HWY_ONCE
