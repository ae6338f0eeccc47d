// The WASM SIMD peak for the peer benchmark (bench/peers/job.mjs): bench/peak.cc's measurement as
// a small Emscripten module of its own, so that each benchmark process (running score-wasm,
// onnxruntime-web or TF.js) measures the ceiling of the machine it runs on, right after each run.
#include <emscripten/emscripten.h>

#include "bench.h"

extern "C" EMSCRIPTEN_KEEPALIVE double score_peak_gflops(int reps, double warmup_s) {
  return sw::bench::MeasurePeakGflops(reps, warmup_s);
}
