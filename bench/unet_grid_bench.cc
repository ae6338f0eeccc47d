// Image-grid sampling: the wall time of 1, 4, 16 and 64 images drawn from an ncsn-unet
// model file (default web/models/mnist.safetensors, or --model=PATH) with the sampling settings
// stored in it, on 2 threads and on 1, and the network's achieved GFLOP/s next to the SIMD peak.
// Without the file the benchmark says so and is skipped (unet_model_file.h).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "models/config_json.h"
#include "models/model_file.h"
#include "models/ncsn_unet.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"
#include "unet_model_file.h"

namespace sw {
namespace {

constexpr size_t kThreads = 2;  // the figure that matters: a 2-core machine (the budget's)

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Draws n samples on at most max_threads threads of `pool`; false (after printing why) on error.
bool Run(const ScoreModel& model, size_t n, const SamplerOptions& options, ThreadPool* pool,
         size_t max_threads) {
  std::vector<float> x;
  const Status s = Sample(model, n, options, pool, max_threads, &x);
  if (!s.ok()) {
    std::printf("  error: %s\n", s.ToString().c_str());
    return false;
  }
  bench::DoNotOptimize(x[x.size() / 2]);
  return true;
}

SW_BENCHMARK(SamplingUnetGrid) {
  std::string path;
  LoadedModel loaded;
  if (!bench::LoadUnetModelFile("SamplingUnetGrid", ctx, &path, &loaded)) return;
  SamplerOptions options;
  Status status = RecommendedSamplerOptions(loaded, &options);
  if (!status.ok()) {
    std::printf("SamplingUnetGrid: skipped: %s\n\n", status.ToString().c_str());
    return;
  }
  const NcsnUnet& unet = static_cast<const NcsnUnet&>(*loaded.model);
  const NcsnUnetConfig& config = unet.config();
  options.seed = 1;

  // The file's sampler, by the name it stores, and its network evaluations per sample (the probe
  // counts them, whatever the sampler).
  std::vector<float> trained;
  bool has_sampling = false;
  SamplingDefaults stored;
  status = config_json::ReadSigmasAndSampling(loaded.config_json, &trained, &has_sampling, &stored);
  if (!status.ok()) {
    std::printf("SamplingUnetGrid: skipped: %s\n\n", status.ToString().c_str());
    return;
  }
  std::unique_ptr<SamplerRun> probe;
  status = SamplerRun::Create(&unet, 1, options, nullptr, 1, &probe);
  if (!status.ok()) {
    std::printf("SamplingUnetGrid: skipped: %s\n\n", status.ToString().c_str());
    return;
  }
  const int evals = probe->total_steps();
  const double flops_per_eval = NcsnUnetFlopsPerImage(config);
  std::string channels;
  for (size_t c : config.channels) channels += (channels.empty() ? "" : "-") + std::to_string(c);
  std::printf("SamplingUnetGrid: %s: ncsn-unet %zux%zux%zu, channels %s\n", path.c_str(),
              config.height, config.width, config.image_channels, channels.c_str());
  std::printf(
      "  %.2f MFLOP per evaluation, %d evaluations per sample (the file's sampler, %s, "
      "over %zu levels)\n",
      flops_per_eval / 1e6, evals, stored.sampler.c_str(), options.sigmas.size());

  ThreadPool pool(kThreads);
  // Warm-up: a few steps through the same code on both thread counts, so that the timed runs use
  // the code V8 optimises (see README.md).
  SamplerOptions warm = options;
  warm.steps_per_level = 1;
  warm.sigmas.resize(std::min<size_t>(warm.sigmas.size(), ctx.quick ? 2 : 4));  // 2: an ODE step
  const size_t warm_n = NcsnUnet::kTileRows * kThreads;
  if (!Run(unet, warm_n, warm, &pool, kThreads) || !Run(unet, warm_n, warm, &pool, 1)) return;

  // One- and two-thread runs alternate (see sampler_bench.cc); --quick: one 2-thread 16-grid.
  const std::vector<size_t> grids =
      ctx.quick ? std::vector<size_t>{16} : std::vector<size_t>{1, 4, 16, 64};
  const std::vector<size_t> thread_counts =
      ctx.quick ? std::vector<size_t>{kThreads} : std::vector<size_t>{kThreads, 1};
  const int reps = ctx.quick ? 1 : 3;
  std::printf("%-28s %7s %9s %9s %8s %7s\n", "grid (median)", "threads", "s/grid", "s/sample",
              "GFLOP/s", "% peak");
  for (size_t n : grids) {
    const double flops = flops_per_eval * evals * n;
    std::vector<std::vector<double>> seconds(thread_counts.size()), fractions(thread_counts.size());
    for (int rep = 0; rep < reps; ++rep) {
      for (size_t t = 0; t < thread_counts.size(); ++t) {
        const double start = bench::Now();
        if (!Run(unet, n, options, &pool, thread_counts[t])) return;
        const double s = bench::Now() - start;
        seconds[t].push_back(s);
        // % peak: of threads × the one-thread peak, measured right after the run (see bench.h).
        fractions[t].push_back(flops / s * 1e-9 /
                               (thread_counts[t] * bench::MeasurePeakGflops(1, 0.0)));
      }
    }
    for (size_t t = 0; t < thread_counts.size(); ++t) {
      const double s = Median(seconds[t]);
      const std::string label = std::to_string(n) + " samples";
      std::printf("%-28s %7zu %9.2f %9.3f %8.2f %6.1f%%\n", label.c_str(), thread_counts[t], s,
                  s / n, flops / s * 1e-9, 100 * Median(fractions[t]));
    }
    if (thread_counts.size() == 2) {
      std::printf("%-28s %zu-thread speed-up %.2fx\n", "", kThreads,
                  Median(seconds[1]) / Median(seconds[0]));
    }
  }
  std::printf("\n");
}

}  // namespace
}  // namespace sw
