// Fuzz target: the option resolver and the sampler's option checks.
//
// Input: config JSON text, a NUL byte, then binary option values (tests/fuzz/make_seeds.py writes
// seeds in this form; without a NUL the whole input is the config and the options decode as
// zeros).
//   1. The text is a model file's "config" metadata: sw::RecommendedSamplerOptions on a LoadedModel
//      carrying it. What it resolves must be valid and accepted by the sampler (which is then run
//      for a few steps on a small Gaussian mixture).
//   2. The bytes decode a small sw::GaussianMixture, a geometric schedule (sw::GeometricSigmas) and
//      sw::SamplerOptions with every field fuzzed (sampler kind, sigmas, steps, step size, init);
//      sw::SamplerRun::Create must refuse bad options with INVALID_ARGUMENT, and accepted ones run
//      for at most kMaxSteps steps, stepwise and through sw::Sample (bit-identical, also on a
//      2-thread pool).
//   3. The bytes after part 2's decode a caller's sw::SamplingRequest (sampler name, listed or
//      geometric sigmas, steps, denoise, sigma, step size, init, the SDE samplers' sigmaMax /
//      sigmaMin, corrector steps, snr, solver, encoding and tolerances), resolved against the same
//      config by sw::ResolveSamplerOptions; what it resolves runs as in part 2.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "fuzz_check.h"
#include "models/gaussian_mixture.h"
#include "models/model_file.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace {

// Bounds that keep one execution fast; the API itself takes larger values.
constexpr int kMaxSteps = 64;                 // steps actually run per sampling run
constexpr int kMaxGeometricLevels = 1 << 12;  // the API allows 2^20; fewer keep executions fast
constexpr size_t kMaxChains = 8, kMaxDim = 4, kMaxComponents = 3, kMaxLevels = 16;

std::unique_ptr<sw::GaussianMixture> DefaultMixture() {
  std::unique_ptr<sw::GaussianMixture> gmm;
  const sw::Status s =
      sw::GaussianMixture::Create({0.3f, 0.7f}, {-2, -2, 2, 2}, {0.5f, 1}, 2, &gmm);
  FUZZ_CHECK(s.ok(), "the default mixture: %s", s.message().c_str());
  return gmm;
}

sw::ThreadPool* Pool() {
  static sw::ThreadPool* pool = new sw::ThreadPool(2);  // process lifetime; reachable, not a leak
  return pool;
}

bool StrictlyDecreasingPositive(const std::vector<float>& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isfinite(s[i]) || !(s[i] > 0)) return false;
    if (i > 0 && !(s[i] < s[i - 1])) return false;
  }
  return !s.empty();
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool Langevin(const sw::SamplerOptions& o) {
  return o.kind == sw::SamplerKind::kLangevin || o.kind == sw::SamplerKind::kAnnealedLangevin;
}

// The documented step counts (samplers/sampler.h), written out independently of the sampler.
int64_t StepsPerLevel(const sw::SamplerOptions& o) {
  if (Langevin(o)) return o.steps_per_level;
  return o.kind == sw::SamplerKind::kPredictorCorrector ? int64_t{o.corrector_steps} + 1 : 1;
}

int64_t ExpectedTotalSteps(const sw::SamplerOptions& o) {
  const int64_t levels = static_cast<int64_t>(o.sigmas.size());
  switch (o.kind) {
    case sw::SamplerKind::kReverseDiffusion:
    case sw::SamplerKind::kPredictorCorrector:
      return levels * StepsPerLevel(o);
    case sw::SamplerKind::kProbabilityFlowHeun:
      return levels - 1 + (o.denoise ? 1 : 0);
    case sw::SamplerKind::kProbabilityFlowRk45:
      return 0;  // adaptive: found as it goes
    default:
      return levels * o.steps_per_level + (o.denoise ? 1 : 0);
  }
}

bool TooManySteps(const sw::SamplerOptions& o) {
  return StepsPerLevel(o) * static_cast<int64_t>(o.sigmas.size()) >= (int64_t{1} << 30);
}

// Runs `options` on `model` the way a caller would: Create, then Step in small increments up to
// kMaxSteps; when the whole run is that short, also through Sample() (null pool and, when
// use_pool, a 2-thread pool), which must give the same bits.
void RunSampler(const sw::ScoreModel& model, size_t n, const sw::SamplerOptions& options,
                bool use_pool) {
  std::unique_ptr<sw::SamplerRun> run;
  const sw::Status created = sw::SamplerRun::Create(&model, n, options, nullptr, 0, &run);
  if (!created.ok()) {
    FUZZ_CHECK(created.code() == sw::StatusCode::kInvalidArgument ||
                   created.code() == sw::StatusCode::kOutOfMemory,
               "Create failed with %s", sw::StatusCodeName(created.code()));
    sw_fuzz::CheckMessage(created);
    return;
  }
  FUZZ_CHECK(run->n() == n && run->dim() == model.dim(), "run shape");
  FUZZ_CHECK(run->samples().size() == n * model.dim(), "samples size");
  const int64_t expected_steps = ExpectedTotalSteps(options);
  FUZZ_CHECK(run->total_steps() == expected_steps, "total_steps %d, expected %lld",
             run->total_steps(), static_cast<long long>(expected_steps));
  // Create accepts any finite sigma and uniform range, so a start can overflow (sigma 1e38 times
  // a normal draw, hi - lo beyond FLT_MAX); the first step then reports divergence.
  bool finite_start = true;
  for (float v : run->samples()) finite_start = finite_start && std::isfinite(v);
  FUZZ_NOTE(finite_start,
            "Create accepted options whose start points are not finite "
            "(init %d, sigma0 %g, uniform [%g, %g])",
            static_cast<int>(options.init), options.sigmas[0], options.uniform_lo,
            options.uniform_hi);

  bool diverged = false;
  while (!run->done() && run->steps_done() < kMaxSteps) {
    const int before = run->steps_done();
    const sw::Status stepped = run->Step(1 + before % 3);
    if (!stepped.ok()) {
      sw_fuzz::CheckMessage(stepped);
      diverged = true;
      break;
    }
    FUZZ_CHECK(run->steps_done() > before, "Step made no progress");
    FUZZ_CHECK(run->level() >= 0 && run->level() <= static_cast<int>(options.sigmas.size()),
               "level() = %d", run->level());
  }
  if (!diverged) {
    for (float v : run->samples())
      FUZZ_CHECK(std::isfinite(v) || !finite_start, "a non-finite sample");
  }
  // Only runs that end within kMaxSteps are repeated whole (the adaptive solver's length is
  // known once it is done).
  if (options.kind == sw::SamplerKind::kProbabilityFlowRk45 ? !run->done()
                                                            : run->total_steps() > kMaxSteps) {
    return;
  }

  std::vector<float> whole;
  const sw::Status sampled = sw::Sample(model, n, options, nullptr, 0, &whole);
  FUZZ_CHECK(sampled.ok() == !diverged, "Sample and the stepwise run disagree on divergence");
  if (sampled.ok()) {
    FUZZ_CHECK(SameBits(whole, run->samples()), "Sample differs from the stepwise run");
  }
  if (use_pool) {
    std::vector<float> pooled;
    const sw::Status on_pool = sw::Sample(model, n, options, Pool(), 0, &pooled);
    FUZZ_CHECK(on_pool.ok() == sampled.ok(), "2 threads and 1 thread disagree on divergence");
    if (on_pool.ok()) FUZZ_CHECK(SameBits(pooled, whole), "2 threads differ from 1 thread");
  }
}

// Part 1: the model file's config JSON -> RecommendedSamplerOptions. The model only lends its
// min_sigma; a LoadedModel holding only a config (no model) must work too (fixed in 261bdad), so
// half the inputs (by the text's length) go without one.
void FuzzRecommended(const std::string& config, const sw::ScoreModel& gmm) {
  sw::LoadedModel loaded;
  if (config.size() % 2 == 0) loaded.model = DefaultMixture();
  loaded.architecture = "ncsn-mlp";
  loaded.config_json = config;
  sw::SamplerOptions options;
  options.steps_per_level = -12345;  // a sentinel: on error *out must stay as it was
  const sw::Status status = sw::RecommendedSamplerOptions(loaded, &options);
  if (!status.ok()) {
    FUZZ_CHECK(status.code() == sw::StatusCode::kInvalidArgument, "resolver failed with %s",
               sw::StatusCodeName(status.code()));
    sw_fuzz::CheckMessage(status);
    FUZZ_CHECK(options.steps_per_level == -12345, "a failed resolve modified its output");
    return;
  }
  FUZZ_CHECK(static_cast<int>(options.kind) >= 0 && static_cast<int>(options.kind) <= 5,
             "resolved kind %d", static_cast<int>(options.kind));
  // Levels the sampler accepts: annealed and SDE ones finite, > 0 and strictly decreasing; plain
  // Langevin runs at one sigma >= min_sigma, which may be 0 for the mixture (a config without
  // "sigmas" resolves to the model's minimum).
  if (options.kind != sw::SamplerKind::kLangevin) {
    FUZZ_CHECK(StrictlyDecreasingPositive(options.sigmas), "resolved sigmas are not valid levels");
  } else {
    FUZZ_CHECK(options.sigmas.size() == 1 && std::isfinite(options.sigmas[0]) &&
                   options.sigmas[0] >= gmm.min_sigma(),
               "resolved langevin sigma is not valid");
  }
  FUZZ_CHECK(options.kind != sw::SamplerKind::kLangevin || options.sigmas.size() == 1,
             "langevin with %zu levels", options.sigmas.size());
  FUZZ_CHECK(options.steps_per_level >= 1, "resolved steps_per_level %d", options.steps_per_level);
  // Finding F1 (fixed in 2529e28): a config step size that is a finite double but 0 or Inf as
  // a float.
  FUZZ_CHECK(std::isfinite(options.step_size) && options.step_size > 0, "resolved step_size %g",
             options.step_size);
  // The sampler must accept what the resolver produced (one owner of the sampling rules). The
  // mixture's min_sigma is 0, so only the total step count may make it refuse.
  std::unique_ptr<sw::SamplerRun> run;
  const sw::Status created = sw::SamplerRun::Create(&gmm, 1, options, nullptr, 0, &run);
  FUZZ_CHECK(created.ok() || TooManySteps(options), "the sampler refuses the resolved options: %s",
             created.message().c_str());
  if (created.ok()) {
    while (!run->done() && run->steps_done() < kMaxSteps) {
      if (!run->Step(8).ok()) break;  // divergence (huge step sizes) is allowed
    }
  }
}

// Part 2: option values decoded from bytes.
void FuzzOptions(sw_fuzz::Reader& r) {
  const uint8_t mode = r.U8();
  // A small mixture; when the fuzzed one is invalid (Create must say so), the default one.
  const size_t dim = 1 + r.U8() % kMaxDim, k = 1 + r.U8() % kMaxComponents;
  std::vector<float> weights(k), means(k * dim), stds(k);
  for (float& w : weights) w = r.Float();
  for (float& m : means) m = r.Float();
  for (float& s : stds) s = r.Float();
  std::unique_ptr<sw::GaussianMixture> gmm;
  const sw::Status made = sw::GaussianMixture::Create(weights, means, stds, dim, &gmm);
  if (!made.ok()) {
    FUZZ_CHECK(made.code() == sw::StatusCode::kInvalidArgument, "mixture failed with %s",
               sw::StatusCodeName(made.code()));
    gmm = DefaultMixture();
  }

  sw::SamplerOptions o;
  o.kind = static_cast<sw::SamplerKind>(r.U8() % 8);  // 6 and 7 are not sampler kinds
  const size_t levels = r.U8() % (kMaxLevels + 1);
  if (mode & 2) {
    // A geometric schedule (levels capped here for speed; part 3 also tries any int).
    const float hi = r.Float(), lo = r.Float();
    const int geometric_levels = static_cast<int>(r.U32() % (kMaxGeometricLevels + 2)) - 1;
    std::vector<float> sigmas = {42.0f};
    const sw::Status g = sw::GeometricSigmas(hi, lo, geometric_levels, &sigmas);
    if (g.ok()) {
      FUZZ_CHECK(static_cast<int>(sigmas.size()) == geometric_levels, "levels");
      FUZZ_CHECK(StrictlyDecreasingPositive(sigmas), "GeometricSigmas gave invalid levels");
      FUZZ_CHECK(sigmas[0] == hi, "the first level is not sigma_max");
    } else {
      FUZZ_CHECK(g.code() == sw::StatusCode::kInvalidArgument, "GeometricSigmas failed with %s",
                 sw::StatusCodeName(g.code()));
      sw_fuzz::CheckMessage(g);
      FUZZ_CHECK(sigmas.size() == 1 && sigmas[0] == 42.0f, "a failed call modified its output");
    }
    // Keep at most kMaxLevels of them (a prefix stays strictly decreasing) so the run stays short.
    if (sigmas.size() > kMaxLevels) sigmas.resize(kMaxLevels);
    o.sigmas = sigmas;
  } else {
    for (size_t i = 0; i < levels; ++i) o.sigmas.push_back(r.Float());
  }
  o.steps_per_level = (mode & 4) ? r.I32() : static_cast<int>(r.U8() % 8) - 1;
  o.step_size = r.Float();
  o.denoise = (mode & 8) != 0;
  o.seed = r.U64();
  o.init = static_cast<sw::InitKind>(r.U8() % 4);  // 3 is not an init kind
  o.uniform_lo = r.Float();
  o.uniform_hi = r.Float();
  const size_t n = 1 + r.U8() % kMaxChains;
  const size_t points = r.U8() % (n * gmm->dim() + 3);  // n * dim is the valid count
  for (size_t i = 0; i < points; ++i) o.init_points.push_back(r.Float());
  o.corrector_steps = (mode & 32) ? r.I32() : static_cast<int>(r.U8() % 5) - 1;
  o.snr = r.Float();
  if (mode & 64) {  // the adaptive solver's tolerances (else its defaults)
    o.rtol = r.Float();
    o.atol = r.Float();
  }

  // Bound the work before calling: steps_per_level may be up to 2^31 - 1, and a run of
  // levels × steps_per_level < 2^30 steps is valid. RunSampler runs at most kMaxSteps of them.
  RunSampler(*gmm, n, o, (mode & 16) != 0);
}

// Part 3: the option resolver proper, sw::ResolveSamplerOptions: the config text and a caller's
// SamplingRequest decoded from the bytes that follow part 2's (all zeros = nothing requested).
void FuzzResolve(const std::string& config, sw_fuzz::Reader& r) {
  static const char* const kSamplers[] = {"",   "annealed-langevin", "langevin", "ddpm",
                                          "pc", "reverse-diffusion", "ode"};
  static const char* const kSolvers[] = {"", "heun", "rk45", "euler"};
  sw::SamplingRequest q;
  const uint8_t mode = r.U8();
  q.sampler = kSamplers[r.U8() % 7];
  const size_t listed = r.U8() % 6;
  for (size_t i = 0; i < listed; ++i) q.sigmas.push_back(r.Float());
  q.sigmas_max = r.Float();
  q.sigmas_min = r.Float();
  // Any int (the API caps a schedule at 2^20 levels) only when asked: a million levels is slow.
  q.sigmas_levels = (mode & 1) ? r.I32() : static_cast<int>(r.U8() % 24) - 2;
  q.steps_per_level = (mode & 2) ? r.I32() : static_cast<int>(r.U8() % 8) - 1;
  q.denoise = static_cast<int>(r.U8() % 4) - 1;  // -1, 0, 1 and the invalid 2
  q.has_sigma = (mode & 4) != 0;
  q.sigma = r.Float();
  q.steps = (mode & 8) ? r.I32() : static_cast<int>(r.U8() % 8) - 1;
  q.step_size = r.Float();
  q.seed = r.U64();
  q.init = static_cast<sw::InitKind>(r.U8() % 4);
  q.uniform_lo = r.Float();
  q.uniform_hi = r.Float();
  q.sigma_max = r.Float();
  q.sigma_min = r.Float();
  q.corrector_steps = static_cast<int>(r.U8() % 6) - 2;
  q.snr = r.Float();
  q.solver = kSolvers[r.U8() % 4];
  q.encode = (r.U8() & 1) != 0;
  q.rtol = r.Float();  // after the rest, so that older seeds decode as before
  q.atol = r.Float();
  const float min_sigma = (mode & 16) ? 1e-6f : 0.0f;  // a network's or the mixture's

  sw::SamplerOptions options;
  options.steps_per_level = -12345;  // a sentinel: on error *out must stay as it was
  const sw::Status status = sw::ResolveSamplerOptions(config, min_sigma, q, &options);
  if (!status.ok()) {
    // INVALID_ARGUMENT for the request; the config's own errors are INVALID_MODEL.
    FUZZ_CHECK(status.code() == sw::StatusCode::kInvalidArgument ||
                   status.code() == sw::StatusCode::kInvalidModel,
               "ResolveSamplerOptions failed with %s", sw::StatusCodeName(status.code()));
    sw_fuzz::CheckMessage(status);
    FUZZ_CHECK(options.steps_per_level == -12345, "a failed resolve modified its output");
    return;
  }
  FUZZ_CHECK(static_cast<int>(options.kind) >= 0 && static_cast<int>(options.kind) <= 5,
             "resolved kind %d", static_cast<int>(options.kind));
  FUZZ_CHECK(!options.sigmas.empty(), "resolved an empty schedule");
  // The SDE samplers' schedules come from GeometricSigmas / KarrasSigmas, which check them.
  std::vector<float> levels = options.sigmas;  // an encoding run's increase
  if (q.encode) std::reverse(levels.begin(), levels.end());
  FUZZ_CHECK(Langevin(options) || StrictlyDecreasingPositive(levels),
             "resolved SDE levels are not valid");
  FUZZ_CHECK(options.kind != sw::SamplerKind::kLangevin || options.sigmas.size() == 1,
             "langevin with %zu levels", options.sigmas.size());
  FUZZ_CHECK(options.seed == q.seed, "the seed is not passed through");
  // The sampler checks what the resolver leaves to it (values of the caller's options); run what
  // it accepts on a mixture (min_sigma 0 accepts everything a network would, and more).
  static const std::unique_ptr<sw::GaussianMixture> gmm = DefaultMixture();
  RunSampler(*gmm, 1 + (mode >> 5), options, false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t text_size = nul ? static_cast<size_t>(nul - data) : size;
  const std::string config(reinterpret_cast<const char*>(data), text_size);
  static const std::unique_ptr<sw::GaussianMixture> gmm = DefaultMixture();
  FuzzRecommended(config, *gmm);

  const size_t rest = nul ? size - text_size - 1 : 0;
  sw_fuzz::Reader reader(nul ? nul + 1 : data, rest);
  FuzzOptions(reader);
  FuzzResolve(config, reader);
  return 0;
}
