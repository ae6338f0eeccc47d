// Sampling throughput: chains advanced per second for the exact mixture and for a noise-conditional
// MLP, on one thread and on every thread of the pool, with the speed-up between them.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"
#include "models/ncsn_mlp.h"
#include "samplers/sampler.h"

namespace sw {
namespace {

// Times `steps` annealed Langevin steps of n chains on 1 thread and on all threads; prints chain
// steps per second (one network evaluation per chain and step) and samples per second at the
// given number of steps per sample.
void BenchSampling(const char* name, const ScoreModel& model, size_t n, int steps_per_sample,
                   const bench::Context& ctx) {
  SamplerOptions o;
  o.kind = SamplerKind::kAnnealedLangevin;
  o.sigmas = {20, 10, 5, 2, 1};
  o.steps_per_level = ctx.quick ? 1 : 4;
  o.step_size = 1e-3f;
  const int steps = static_cast<int>(o.sigmas.size()) * o.steps_per_level;
  const size_t threads = std::max(2u, std::thread::hardware_concurrency());
  ThreadPool pool(threads);
  // One-thread and all-thread runs alternate, so that a slow phase of a shared machine hits both.
  auto run = [&](size_t max_threads) {
    std::vector<float> x;
    Status s = Sample(model, n, o, &pool, max_threads, &x);
    if (!s.ok()) std::printf("  error: %s\n", s.ToString().c_str());
    bench::DoNotOptimize(x[0]);
  };
  bench::MedianSeconds(
      [&] {
        run(1);
        run(0);
      },
      1, ctx.quick ? 0.0 : 1.0);  // warm-up
  std::vector<double> times[2];
  for (int rep = 0; rep < (ctx.quick ? 1 : 9); ++rep) {
    for (int t = 0; t < 2; ++t)
      times[t].push_back(bench::MedianSeconds([&] { run(t == 0 ? 1 : 0); }, 1, 0));
  }
  double seconds[2];
  for (int t = 0; t < 2; ++t) {
    std::sort(times[t].begin(), times[t].end());
    seconds[t] = times[t][times[t].size() / 2];
  }
  const double chain_steps = double(n) * steps;
  std::printf(
      "%-28s n=%zu: 1 thread %.3g chain-steps/s (%.1f samples/s at %d steps), "
      "%zu threads %.3g chain-steps/s; speed-up %.2fx\n",
      name, n, chain_steps / seconds[0], chain_steps / seconds[0] / steps_per_sample,
      steps_per_sample, threads, chain_steps / seconds[1], seconds[0] / seconds[1]);
}

SW_BENCHMARK(SamplingMixture) {
  std::unique_ptr<GaussianMixture> gmm;
  GaussianMixture::Create({0.2f, 0.8f}, {-5, -5, 5, 5}, {1, 1}, 2, &gmm);
  // NCSN's Figure 3 setting: 10 levels × 100 steps per sample.
  BenchSampling("annealed Langevin, mixture", *gmm, 10000, 1000, ctx);
}

SW_BENCHMARK(SamplingMlp) {
  NcsnMlpConfig config;
  config.dim = 2;
  config.hidden = {128, 128, 128};
  config.sigma_embedding_freqs = 16;
  config.sigmas = {20, 1};
  NcsnMlpWeights weights;
  std::unique_ptr<NcsnMlp> mlp;
  if (!InitNcsnMlpWeights(config, 1, &weights).ok() || !NcsnMlp::Create(weights, &mlp).ok()) {
    std::printf("SamplingMlp: could not build the network\n");
    return;
  }
  const double flops = 2.0 * ((2 + 32) * 128 + 128 * 128 * 2 + 128 * 2);
  std::printf("MLP 2+32 -> 128 -> 128 -> 128 -> 2 (SiLU): %.3f MFLOP per evaluation\n",
              flops / 1e6);
  BenchSampling("annealed Langevin, MLP", *mlp, 10000, 1000, ctx);
}

}  // namespace
}  // namespace sw
