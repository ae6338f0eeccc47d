#include "samplers/sampler.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "core/memory_budget.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "kernels/elementwise.h"

namespace sw {

namespace {

// Chains per task (see ForEachChunk; at least the model's min_rows_per_task()). The split may
// follow the thread count: a chain's update depends only on the chain (rows are independent in
// every model, noise is keyed by chain index). The upper bound also bounds the per-task scratch
// (score and noise of max × dim values).
constexpr size_t kMaxChainsPerTask = 1024;
// Largest n × dim of one run: two buffers of this many floats must fit a 32-bit WASM heap.
constexpr size_t kMaxValues = size_t{1} << 26;
// Most levels of a schedule: far more than any sampler needs, and checked before allocating.
constexpr int kMaxLevels = 1 << 20;

// Steps the run makes at each level (see SamplerRun::steps_per_level).
int StepsPerLevel(const SamplerOptions& o) {
  switch (o.kind) {
    case SamplerKind::kLangevin:
    case SamplerKind::kAnnealedLangevin:
      return o.steps_per_level;
    case SamplerKind::kPredictorCorrector:
      return o.corrector_steps + 1;
    default:
      return 1;
  }
}

Status ValidateOptions(const ScoreModel& model, size_t n, const SamplerOptions& o) {
  if (n == 0) return InvalidArgument("n (the number of samples) must be positive");
  if (n > kMaxValues / model.dim()) {
    return InvalidArgument("n × dim must be at most " + std::to_string(kMaxValues) +
                           " values (got n = " + std::to_string(n) +
                           ", dim = " + std::to_string(model.dim()) + ")");
  }
  const bool langevin_kind =
      o.kind == SamplerKind::kLangevin || o.kind == SamplerKind::kAnnealedLangevin;
  const bool ode =
      o.kind == SamplerKind::kProbabilityFlowHeun || o.kind == SamplerKind::kProbabilityFlowRk45;
  if (!langevin_kind && !ode && o.kind != SamplerKind::kReverseDiffusion &&
      o.kind != SamplerKind::kPredictorCorrector) {
    return InvalidArgument("unknown sampler kind");
  }
  if (o.sigmas.empty()) return InvalidArgument("the noise schedule (sigmas) is empty");
  if (o.kind == SamplerKind::kLangevin && o.sigmas.size() != 1) {
    return InvalidArgument("plain Langevin runs at exactly one noise level (got " +
                           std::to_string(o.sigmas.size()) + ")");
  }
  if (o.kind == SamplerKind::kProbabilityFlowHeun && o.sigmas.size() < 2) {
    return InvalidArgument("the probability-flow ODE needs at least 2 levels (got " +
                           std::to_string(o.sigmas.size()) + ")");
  }
  // (The adaptive ODE's tolerances are DormandPrinceRun::Create's to check.)
  if (o.kind == SamplerKind::kProbabilityFlowRk45 && o.sigmas.size() != 2) {
    return InvalidArgument("the adaptive ODE runs between exactly 2 sigmas, its ends (got " +
                           std::to_string(o.sigmas.size()) + ")");
  }
  if (o.sigmas.size() > static_cast<size_t>(kMaxLevels)) {
    return InvalidArgument("at most " + std::to_string(kMaxLevels) + " levels");
  }
  // The ODE runs either way: decreasing σ generates (decodes), increasing σ encodes.
  const bool encoding = ode && o.sigmas.size() > 1 && o.sigmas[1] > o.sigmas[0];
  for (size_t i = 0; i < o.sigmas.size(); ++i) {
    const float s = o.sigmas[i];
    if (!std::isfinite(s) || s < model.min_sigma() ||
        (s <= 0 && o.kind != SamplerKind::kLangevin)) {
      return InvalidArgument(
          "sigma " + std::to_string(i) + " = " + NumberForMessage(s) + " must be finite and " +
          (o.kind != SamplerKind::kLangevin ? "> 0" : ">= " + NumberForMessage(model.min_sigma())));
    }
    if (i > 0 && (encoding ? !(s > o.sigmas[i - 1]) : !(s < o.sigmas[i - 1]))) {
      return InvalidArgument("sigmas must be strictly " +
                             std::string(encoding ? "increasing" : "decreasing") + " (sigma " +
                             std::to_string(i) + " = " + NumberForMessage(s) + " follows " +
                             NumberForMessage(o.sigmas[i - 1]) + ")");
    }
  }
  if (encoding && o.denoise) {
    return InvalidArgument(
        "denoise is for generating: an encoding run (increasing sigmas) ends "
        "at the largest sigma");
  }
  if (langevin_kind) {
    if (o.steps_per_level <= 0) {
      return InvalidArgument("steps per level must be a positive integer (got " +
                             std::to_string(o.steps_per_level) + ")");
    }
    if (!std::isfinite(o.step_size) || o.step_size <= 0) {
      return InvalidArgument("the step size must be a finite number > 0 (got " +
                             NumberForMessage(o.step_size) + ")");
    }
  }
  if (o.kind == SamplerKind::kPredictorCorrector) {
    if (o.corrector_steps < 0 || o.corrector_steps > kMaxLevels) {
      return InvalidArgument("corrector steps must be an integer in [0, " +
                             std::to_string(kMaxLevels) + "] (got " +
                             std::to_string(o.corrector_steps) + ")");
    }
    if (!std::isfinite(o.snr) || o.snr <= 0) {
      return InvalidArgument("snr must be a finite number > 0 (got " + NumberForMessage(o.snr) +
                             ")");
    }
  }
  if (static_cast<int64_t>(StepsPerLevel(o)) * static_cast<int64_t>(o.sigmas.size()) >=
      (int64_t{1} << 30)) {
    return InvalidArgument("too many steps: levels × steps per level must be below 2^30");
  }
  if (!o.mask.empty() || !o.known.empty()) {
    if (o.kind != SamplerKind::kAnnealedLangevin && o.kind != SamplerKind::kReverseDiffusion &&
        o.kind != SamplerKind::kPredictorCorrector) {
      return InvalidArgument(
          "inpainting (known, mask) works with 'annealed-langevin', 'reverse-diffusion' and 'pc'");
    }
    const size_t dim = model.dim();
    if (o.mask.size() != dim && o.mask.size() != n * dim) {
      return InvalidArgument("mask must hold dim = " + std::to_string(dim) +
                             " or n × dim = " + std::to_string(n * dim) + " values (got " +
                             std::to_string(o.mask.size()) + ")");
    }
    if (o.known.size() != o.mask.size()) {
      return InvalidArgument("known must hold as many values as mask (" +
                             std::to_string(o.mask.size()) + ", got " +
                             std::to_string(o.known.size()) + ")");
    }
    for (uint8_t m : o.mask) {
      if (m > 1) return InvalidArgument("mask values must be 0 (unknown) or 1 (known)");
    }
    for (float v : o.known) {
      if (!std::isfinite(v)) return InvalidArgument("known values must be finite numbers");
    }
  }
  switch (o.init) {
    case InitKind::kGaussian:
      break;
    case InitKind::kUniform:
      // hi - lo must be finite too: the draw is lo + u (hi - lo).
      if (!std::isfinite(o.uniform_lo) || !std::isfinite(o.uniform_hi) ||
          !(o.uniform_lo < o.uniform_hi) || !std::isfinite(o.uniform_hi - o.uniform_lo)) {
        return InvalidArgument("a uniform start needs finite lo < hi with a finite hi - lo (got [" +
                               NumberForMessage(o.uniform_lo) + ", " +
                               NumberForMessage(o.uniform_hi) + "])");
      }
      break;
    case InitKind::kGiven:
      if (o.init_points.size() != n * model.dim()) {
        return InvalidArgument(
            "start points must hold n × dim = " + std::to_string(n * model.dim()) +
            " values (got " + std::to_string(o.init_points.size()) + ")");
      }
      for (float v : o.init_points) {
        if (!std::isfinite(v)) return InvalidArgument("start points must be finite numbers");
      }
      break;
    default:
      return InvalidArgument("unknown start (init) kind");
  }
  return Status::Ok();
}

// Everything a run allocates: the chains and their next state, and per thread the model's scratch
// and one task's score and noise.
uint64_t SamplerRunBytes(const ScoreModel& model, size_t n, const SamplerOptions& options,
                         ThreadPool* pool, size_t max_threads, size_t* threads) {
  *threads = std::min(n, ChunkThreads(pool, max_threads));
  const uint64_t chains = SaturatingMul(2 * sizeof(float), SaturatingMul(n, model.dim()));
  // Per task: the score, the noise and (Heun) a second score and the intermediate point.
  const uint64_t task =
      SaturatingMul(4 * sizeof(float), SaturatingMul(std::min(n, kMaxChainsPerTask), model.dim()));
  const uint64_t inpainting = SaturatingMul(
      sizeof(float) + 1, std::max(options.known.size(), options.mask.size()));  // the run's copy
  return SaturatingAdd(
      SaturatingAdd(chains, inpainting),
      SaturatingMul(*threads, SaturatingAdd(task, model.scratch_bytes_per_thread())));
}

}  // namespace

Status GeometricSigmas(float sigma_max, float sigma_min, int levels, std::vector<float>* out) {
  if (levels < 1 || levels > kMaxLevels) {
    return InvalidArgument("levels must be an integer in [1, " + std::to_string(kMaxLevels) +
                           "] (got " + std::to_string(levels) + ")");
  }
  if (!std::isfinite(sigma_max) || !std::isfinite(sigma_min) || sigma_min <= 0 ||
      sigma_min > sigma_max || (levels > 1 && sigma_min == sigma_max)) {
    return InvalidArgument("a geometric schedule needs finite 0 < min < max (got max = " +
                           NumberForMessage(sigma_max) + ", min = " + NumberForMessage(sigma_min) +
                           ")");
  }
  std::vector<float> sigmas(levels);
  const double ratio = std::log(double{sigma_min} / sigma_max);
  for (int i = 0; i < levels; ++i) {
    sigmas[i] = levels == 1 ? sigma_max
                            : static_cast<float>(sigma_max * std::exp(ratio * i / (levels - 1)));
  }
  for (int i = 1; i < levels; ++i) {
    if (!(sigmas[i] < sigmas[i - 1])) {
      return InvalidArgument("max and min are too close for " + std::to_string(levels) +
                             " distinct float levels");
    }
  }
  *out = std::move(sigmas);
  return Status::Ok();
}

Status KarrasSigmas(float sigma_max, float sigma_min, int levels, double rho,
                    std::vector<float>* out) {
  if (levels < 2 || levels > kMaxLevels) {
    return InvalidArgument("levels must be an integer in [2, " + std::to_string(kMaxLevels) +
                           "] (got " + std::to_string(levels) + ")");
  }
  if (!std::isfinite(sigma_max) || !std::isfinite(sigma_min) || sigma_min <= 0 ||
      !(sigma_min < sigma_max) || !std::isfinite(rho) || rho < 1) {
    return InvalidArgument("a Karras schedule needs finite 0 < min < max and rho >= 1 (got max = " +
                           NumberForMessage(sigma_max) + ", min = " + NumberForMessage(sigma_min) +
                           ", rho = " + NumberForMessage(rho) + ")");
  }
  const double hi = std::pow(double{sigma_max}, 1 / rho), lo = std::pow(double{sigma_min}, 1 / rho);
  std::vector<float> sigmas(levels);
  for (int i = 0; i < levels; ++i) {
    sigmas[i] = static_cast<float>(std::pow(hi + i * (lo - hi) / (levels - 1), rho));
  }
  sigmas.front() = sigma_max;  // exactly the ends, whatever pow rounds to
  sigmas.back() = sigma_min;
  for (int i = 1; i < levels; ++i) {
    if (!(sigmas[i] < sigmas[i - 1])) {
      return InvalidArgument("max and min are too close for " + std::to_string(levels) +
                             " distinct float levels");
    }
  }
  *out = std::move(sigmas);
  return Status::Ok();
}

Status SamplerRun::Create(const ScoreModel* model, size_t n, const SamplerOptions& options,
                          ThreadPool* pool, size_t max_threads, std::unique_ptr<SamplerRun>* out) {
  SW_RETURN_IF_ERROR(ValidateOptions(*model, n, options));
  size_t threads;
  const uint64_t bytes = SamplerRunBytes(*model, n, options, pool, max_threads, &threads);
  SW_RETURN_IF_ERROR(CheckWorkingMemory(bytes, "sampling " + std::to_string(n) + " chains on " +
                                                   std::to_string(threads) + " thread(s)"));
  std::unique_ptr<SamplerRun> run(new SamplerRun());
  run->model_ = model;
  run->pool_ = pool;
  run->max_threads_ = max_threads;
  run->n_ = n;
  run->options_ = options;
  run->options_.init_points.clear();
  run->options_.init_points.shrink_to_fit();
  run->steps_per_level_ = StepsPerLevel(options);
  const int levels = static_cast<int>(options.sigmas.size());
  switch (options.kind) {
    case SamplerKind::kReverseDiffusion:
    case SamplerKind::kPredictorCorrector:  // denoising is the last step without its noise
      run->total_steps_ = levels * run->steps_per_level_;
      break;
    case SamplerKind::kProbabilityFlowHeun:  // from each level to the next
      run->total_steps_ = levels - 1 + (options.denoise ? 1 : 0);
      break;
    case SamplerKind::kProbabilityFlowRk45:  // found as the solver goes
      run->total_steps_ = 0;
      break;
    default:
      run->total_steps_ = levels * run->steps_per_level_ + (options.denoise ? 1 : 0);
  }
  const size_t dim = model->dim();
  run->x_.resize(n * dim);
  run->next_.resize(n * dim);
  float* x = run->x_.data();
  // Gaussian start: N(0, sigma_1^2 I), or N(0, I) for a plain Langevin run at sigma = 0.
  const float init_std = options.sigmas[0] > 0 ? options.sigmas[0] : 1.0f;
  ForEachChunk(
      pool, n, model->min_rows_per_task(), kMaxChainsPerTask,
      [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          float* xi = x + i * dim;
          switch (options.init) {
            case InitKind::kGaussian:
              FillNormal(options.seed, RandomStream::kInit, i, 0, xi, dim);
              for (size_t j = 0; j < dim; ++j) xi[j] *= init_std;
              break;
            case InitKind::kUniform:
              FillUniform(options.seed, RandomStream::kInit, i, options.uniform_lo,
                          options.uniform_hi, xi, dim);
              break;
            case InitKind::kGiven:
              std::copy(&options.init_points[i * dim], &options.init_points[(i + 1) * dim], xi);
              break;
          }
        }
        if (!run->options_.mask.empty()) run->ApplyKnown(begin, end, options.sigmas[0], 0, x);
      },
      max_threads);
  if (options.kind == SamplerKind::kProbabilityFlowRk45) {
    run->flow_ = std::make_unique<ProbabilityFlowOde>(model);
    DormandPrinceOptions ode;
    ode.sigma_from = options.sigmas[0];
    ode.sigma_to = options.sigmas[1];
    ode.rtol = options.rtol;
    ode.atol = options.atol;
    SW_RETURN_IF_ERROR(DormandPrinceRun::Create(run->flow_.get(), run->x_.data(), dim, n, ode, pool,
                                                max_threads, &run->ode_));
  }
  *out = std::move(run);
  return Status::Ok();
}

bool SamplerRun::done() const {
  if (ode_) return ode_->done() && (!options_.denoise || steps_done_ > ode_->attempts());
  return steps_done_ == total_steps_;
}

double SamplerRun::fraction() const {
  if (ode_) return done() ? 1 : std::min(ode_->fraction(), 1.0 - 1e-9);
  return static_cast<double>(steps_done_) / total_steps_;
}

double SamplerRun::evaluations() const {
  if (ode_) return ode_->evaluations() + static_cast<double>(evaluations_);
  return static_cast<double>(evaluations_);
}

void SamplerRun::ApplyKnown(size_t begin, size_t end, float sigma, uint32_t counter,
                            float* x) const {
  const size_t dim = model_->dim();
  const bool per_chain = options_.mask.size() != dim;
  thread_local std::vector<float> z;
  z.assign(dim, 0.0f);
  for (size_t i = begin; i < end; ++i) {
    const float* known = &options_.known[per_chain ? i * dim : 0];
    const uint8_t* mask = &options_.mask[per_chain ? i * dim : 0];
    if (sigma > 0)
      FillNormal(options_.seed, RandomStream::kInpaintNoise, i, counter, z.data(), dim);
    float* xi = x + i * dim;
    for (size_t j = 0; j < dim; ++j) {
      if (mask[j]) xi[j] = known[j] + sigma * z[j];
    }
  }
}

int SamplerRun::level() const {
  if (ode_) return ode_->done() ? levels() : 0;
  return std::min<int>(steps_done_ / steps_per_level_, static_cast<int>(options_.sigmas.size()));
}

Status SamplerRun::Step(int max_steps) {
  if (max_steps <= 0) return InvalidArgument("max_steps must be positive");
  for (int i = 0; i < max_steps && !done(); ++i) {
    if (ode_ && !ode_->done()) {
      SW_RETURN_IF_ERROR(ode_->Step(1));
      const std::vector<double>& state = ode_->state();
      std::copy(state.begin(), state.end(), x_.begin());
    } else {
      SW_RETURN_IF_ERROR(RunStep(steps_done_));  // (the adaptive ODE: its denoising step)
    }
    ++steps_done_;
  }
  return Status::Ok();
}

namespace {

// One step's update of every chain: x <- x + drift s(x, sigma) + noise z. A Heun step of the
// probability-flow ODE (heun = true) is x' = x + drift s(x, sigma), then
// x <- x + (drift / 2) s(x, sigma) + (drift_next / 2) s(x', sigma_next).
struct StepRule {
  float sigma = 0, drift = 0, noise = 0;
  float sigma_after = 0;  // the noise level the chains have reached after the step
  bool heun = false;
  float sigma_next = 0, drift_next = 0;
  int level = 0;
};

// The reverse-diffusion step from level i to the next (σ_N = 0): δ = σ_i² − σ_{i+1}²; its noise
// is left out when it is the final, denoising step.
StepRule ReverseDiffusionRule(const SamplerOptions& o, int i) {
  const int levels = static_cast<int>(o.sigmas.size());
  const float sigma = o.sigmas[i];
  const float next = i + 1 < levels ? o.sigmas[i + 1] : 0.0f;
  StepRule r;
  r.level = i;
  r.sigma = sigma;
  r.drift = sigma * sigma - next * next;
  r.noise = i + 1 == levels && o.denoise ? 0.0f : std::sqrt(r.drift);
  r.sigma_after = next;
  return r;
}

StepRule RuleOf(const SamplerOptions& o, int steps_per_level, int step) {
  const int levels = static_cast<int>(o.sigmas.size());
  const int level = std::min(step / steps_per_level, levels - 1);
  StepRule r;
  r.level = level;
  r.sigma = o.sigmas[level];
  const float sigma = r.sigma;
  switch (o.kind) {
    case SamplerKind::kLangevin:
    case SamplerKind::kAnnealedLangevin:
      r.sigma_after = sigma;
      if (step >= levels * steps_per_level) {  // the final denoising step
        r.drift = sigma * sigma;
        r.sigma_after = 0;
      } else if (o.kind == SamplerKind::kLangevin) {
        r.drift = o.step_size;
        r.noise = std::sqrt(2 * o.step_size);
      } else {
        const float sigma_l = o.sigmas.back();
        const float alpha = o.step_size * (sigma / sigma_l) * (sigma / sigma_l);
        r.drift = alpha / 2;
        r.noise = std::sqrt(alpha);
      }
      return r;
    case SamplerKind::kReverseDiffusion:
      return ReverseDiffusionRule(o, level);
    case SamplerKind::kPredictorCorrector:
      if (step % steps_per_level == o.corrector_steps) return ReverseDiffusionRule(o, level);
      {
        // The corrector: Langevin at σ_i with a step constant per level, ε_i = 2 (snr σ_i)². The
        // reference code's ε = 2 (snr ‖z‖ / ‖s‖)² with batch-averaged norms makes a sample depend
        // on its batch, and with each sample's own norms it came out 9-18 % too wide on a 12-D
        // mixture (issue 10); where the noise dominates ‖s‖ ≈ √dim / σ, so the rules agree there.
        // tests/cpp/sde_sampler_test.cc checks this one on a 12-D mixture.
        const float eps = 2 * (o.snr * sigma) * (o.snr * sigma);
        r.drift = eps;
        r.noise = std::sqrt(2 * eps);
        r.sigma_after = sigma;
      }
      return r;
    case SamplerKind::kProbabilityFlowRk45:  // the ODE is the solver's; this is its denoising
      r.sigma = o.sigmas.back();
      r.drift = r.sigma * r.sigma;
      return r;
    case SamplerKind::kProbabilityFlowHeun:
      if (step >= levels - 1) {  // the final denoising step
        r.drift = sigma * sigma;
        return r;
      }
      // dx/dσ = −σ s: over h = σ_{i+1} − σ_i (< 0 generating, > 0 encoding) the Euler drift is
      // −h σ_i s(x, σ_i).
      r.heun = true;
      r.sigma_next = o.sigmas[level + 1];
      r.drift = (sigma - r.sigma_next) * sigma;
      r.drift_next = (sigma - r.sigma_next) * r.sigma_next;
      return r;
  }
  return r;
}

}  // namespace

// One step of every chain, written to next_ and committed only if every value stayed finite.
Status SamplerRun::RunStep(int step) {
  const StepRule rule = RuleOf(options_, steps_per_level_, step);
  const size_t dim = model_->dim();
  std::atomic<bool> diverged{false};
  // Chains [begin, end), the model's own work split over `inner` (see SplitInsideRows).
  const auto chunk = [&](size_t begin, size_t end, const Parallel& inner) {
    const size_t count = (end - begin) * dim;
    // Per-thread scratch: a malloc per task and step would contend on the allocator's lock.
    thread_local std::vector<float> score, z, score_next, x_next;
    score.resize(count);
    z.resize(count);
    // Without noise z is still read (times 0), so it must hold finite values.
    if (rule.noise == 0) std::fill(z.begin(), z.end(), 0.0f);
    const float* x = &x_[begin * dim];
    ScoreRowsAt(*model_, x, end - begin, rule.sigma, score.data(), inner);
    if (rule.noise != 0) {
      for (size_t i = begin; i < end; ++i) {
        FillNormal(options_.seed, RandomStream::kLangevinNoise, i, static_cast<uint32_t>(step),
                   &z[(i - begin) * dim], dim);
      }
    }
    float* next = &next_[begin * dim];
    std::copy(x, x + count, next);
    if (rule.heun) {
      x_next.assign(x, x + count);
      f32_langevin_update(x_next.data(), score.data(), z.data(), rule.drift, 0, count);
      score_next.resize(count);
      ScoreRowsAt(*model_, x_next.data(), end - begin, rule.sigma_next, score_next.data(), inner);
      f32_langevin_update(next, score.data(), z.data(), rule.drift / 2, 0, count);
      f32_langevin_update(next, score_next.data(), z.data(), rule.drift_next / 2, 0, count);
    } else {
      f32_langevin_update(next, score.data(), z.data(), rule.drift, rule.noise, count);
    }
    if (!options_.mask.empty()) {
      // The last step leaves the known values exactly.
      ApplyKnown(begin, end, step + 1 == total_steps_ ? 0.0f : rule.sigma_after,
                 static_cast<uint32_t>(step) + 1, next_.data());
    }
    for (size_t i = 0; i < count; ++i) {
      if (!std::isfinite(next[i])) {
        diverged = true;
        break;
      }
    }
  };
  const Parallel par{pool_, max_threads_};
  if (SplitInsideRows(n_, par)) {
    chunk(0, n_, par);
  } else {
    ForEachChunk(
        pool_, n_, model_->min_rows_per_task(), kMaxChainsPerTask,
        [&](size_t begin, size_t end) { chunk(begin, end, Parallel()); }, max_threads_);
  }
  if (diverged) {
    return InvalidArgument("the chains diverged to non-finite values at step " +
                           std::to_string(step) + " (level " + std::to_string(rule.level) +
                           ", sigma " + NumberForMessage(rule.sigma) +
                           "): use a smaller step size");
  }
  x_.swap(next_);
  evaluations_ += rule.heun ? 2 : 1;
  return Status::Ok();
}

Status Sample(const ScoreModel& model, size_t n, const SamplerOptions& options, ThreadPool* pool,
              size_t max_threads, std::vector<float>* out) {
  std::unique_ptr<SamplerRun> run;
  SW_RETURN_IF_ERROR(SamplerRun::Create(&model, n, options, pool, max_threads, &run));
  while (!run->done()) SW_RETURN_IF_ERROR(run->Step(1 << 20));
  *out = run->samples();
  return Status::Ok();
}

}  // namespace sw
