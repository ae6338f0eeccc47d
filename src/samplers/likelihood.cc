// The probability-flow likelihood (see likelihood.h): Heun steps of the augmented ODE
// (x, ∫ σ ∇·s dσ), chains split into fixed chunks over the pool.
#include "samplers/likelihood.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "core/memory_budget.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace sw {
namespace {

// Points per task (see ForEachChunk); every point's result depends on that point alone.
constexpr size_t kMinPointsPerTask = 8, kMaxPointsPerTask = 1024;
constexpr size_t kMaxValues = size_t{1} << 26;  // n × dim, as for sampling
constexpr int kMaxProbes = 1 << 10;
constexpr double kLog2Pi = 1.8378770664093453;

// Probe k of point i: ±1 per coordinate, the signs of its own Philox normals.
void RademacherProbe(uint64_t seed, size_t point, int probe, size_t dim, float* v) {
  FillNormal(seed, RandomStream::kLikelihoodProbe, point, static_cast<uint32_t>(probe), v, dim);
  for (size_t j = 0; j < dim; ++j) v[j] = v[j] < 0 ? -1.0f : 1.0f;
}

}  // namespace

Status LogProbRun::Create(const ScoreModel* model, const float* points, size_t n,
                          const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
                          std::unique_ptr<LogProbRun>* out) {
  const size_t dim = model->dim();
  if (n == 0) return InvalidArgument("logProb needs at least one point");
  if (n > kMaxValues / dim) {
    return InvalidArgument("n × dim must be at most " + std::to_string(kMaxValues) + " values");
  }
  for (size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(points[i])) return InvalidArgument("points must be finite numbers");
  }
  if (options.probes < 0 || options.probes > kMaxProbes) {
    return InvalidArgument("probes must be an integer in [0, " + std::to_string(kMaxProbes) +
                           "] (0: the exact divergence)");
  }
  if (!(options.sigma_min >= model->min_sigma())) {
    return InvalidArgument("sigmaMin must be at least the model's minimum σ");
  }
  std::vector<float> sigmas;
  SW_RETURN_IF_ERROR(
      KarrasSigmas(options.sigma_max, options.sigma_min, options.steps, kKarrasRho, &sigmas));
  std::reverse(sigmas.begin(), sigmas.end());
  // Per thread: the model's scratch twice (score and VJP), and a task's score, probe, product and
  // intermediate point.
  const size_t threads = std::min(n, ChunkThreads(pool, max_threads));
  const uint64_t task =
      SaturatingMul(8 * sizeof(float), SaturatingMul(std::min(n, kMaxPointsPerTask), dim));
  const uint64_t bytes = SaturatingAdd(
      SaturatingMul(2 * sizeof(float) + sizeof(double), SaturatingMul(n, dim)),
      SaturatingMul(threads,
                    SaturatingAdd(task, SaturatingMul(2, model->scratch_bytes_per_thread()))));
  SW_RETURN_IF_ERROR(CheckWorkingMemory(bytes, "logProb of " + std::to_string(n) + " points"));
  std::unique_ptr<LogProbRun> run(new LogProbRun());
  run->model_ = model;
  run->pool_ = pool;
  run->max_threads_ = max_threads;
  run->n_ = n;
  run->options_ = options;
  run->sigmas_ = std::move(sigmas);
  run->total_steps_ = static_cast<int>(run->sigmas_.size()) - 1;
  run->x_.assign(points, points + n * dim);
  run->next_.resize(n * dim);
  run->integral_.assign(n, 0.0);
  *out = std::move(run);
  return Status::Ok();
}

void LogProbRun::Divergence(const float* xb, size_t begin, size_t end, float sigma,
                            double* div) const {
  const size_t dim = model_->dim(), rows = end - begin, count = rows * dim;
  thread_local std::vector<float> v, product;
  v.resize(count);
  product.resize(count);
  std::fill(div, div + rows, 0.0);
  if (options_.probes == 0) {  // Σ_j e_jᵀ (∂s/∂x) e_j, one product per coordinate
    for (size_t j = 0; j < dim; ++j) {
      std::fill(v.begin(), v.end(), 0.0f);
      for (size_t r = 0; r < rows; ++r) v[r * dim + j] = 1;
      model_->ScoreVjpRows(xb, rows, sigma, v.data(), product.data());
      for (size_t r = 0; r < rows; ++r) div[r] += product[r * dim + j];
    }
    return;
  }
  for (int k = 0; k < options_.probes; ++k) {
    for (size_t r = 0; r < rows; ++r) {
      RademacherProbe(options_.seed, begin + r, k, dim, &v[r * dim]);
    }
    model_->ScoreVjpRows(xb, rows, sigma, v.data(), product.data());
    for (size_t r = 0; r < rows; ++r) {
      double dot = 0;
      for (size_t j = 0; j < dim; ++j) dot += double(v[r * dim + j]) * product[r * dim + j];
      div[r] += dot / options_.probes;
    }
  }
}

Status LogProbRun::Step(int max_steps) {
  if (max_steps <= 0) return InvalidArgument("max_steps must be positive");
  for (int i = 0; i < max_steps && !done(); ++i) {
    SW_RETURN_IF_ERROR(RunStep(steps_done_));
    ++steps_done_;
  }
  return Status::Ok();
}

// One Heun step of (x, ∫ σ ∇·s dσ) from σ_i up to σ_{i+1}.
Status LogProbRun::RunStep(int step) {
  const float sigma = sigmas_[step], sigma_next = sigmas_[step + 1];
  const double h = double{sigma_next} - sigma;
  const size_t dim = model_->dim();
  std::atomic<bool> diverged{false};
  ForEachChunk(
      pool_, n_, kMinPointsPerTask, kMaxPointsPerTask,
      [&](size_t begin, size_t end) {
        const size_t rows = end - begin, count = rows * dim;
        thread_local std::vector<float> score, score_next, x_mid;
        thread_local std::vector<double> div, div_next;
        score.resize(count);
        score_next.resize(count);
        x_mid.resize(count);
        div.resize(rows);
        div_next.resize(rows);
        const float* x = &x_[begin * dim];
        model_->ScoreRows(x, rows, sigma, score.data());
        Divergence(x, begin, end, sigma, div.data());
        // Euler predictor x' = x + h (−σ s), then the trapezoid over both ends.
        for (size_t i = 0; i < count; ++i) {
          x_mid[i] = static_cast<float>(x[i] - h * sigma * score[i]);
        }
        model_->ScoreRows(x_mid.data(), rows, sigma_next, score_next.data());
        Divergence(x_mid.data(), begin, end, sigma_next, div_next.data());
        float* next = &next_[begin * dim];
        for (size_t i = 0; i < count; ++i) {
          next[i] = static_cast<float>(
              x[i] - 0.5 * h * (double{sigma} * score[i] + double{sigma_next} * score_next[i]));
          if (!std::isfinite(next[i])) diverged = true;
        }
        for (size_t r = 0; r < rows; ++r) {
          integral_[begin + r] += 0.5 * h * (sigma * div[r] + sigma_next * div_next[r]);
        }
      },
      max_threads_);
  if (diverged) {
    return InvalidArgument("a likelihood trajectory diverged to non-finite values at step " +
                           std::to_string(step));
  }
  x_.swap(next_);
  const int64_t products = options_.probes == 0 ? static_cast<int64_t>(dim) : options_.probes;
  evaluations_ += 2 * (1 + products);
  return Status::Ok();
}

std::vector<double> LogProbRun::log_probs() const {
  const size_t dim = model_->dim();
  const double s2 = double{sigmas_.back()} * sigmas_.back();
  std::vector<double> out(n_);
  for (size_t i = 0; i < n_; ++i) {
    double r2 = 0;
    for (size_t j = 0; j < dim; ++j) r2 += double{x_[i * dim + j]} * x_[i * dim + j];
    const double prior = -0.5 * r2 / s2 - 0.5 * dim * (kLog2Pi + std::log(s2));
    out[i] = prior - integral_[i];
  }
  return out;
}

Status LogProb(const ScoreModel& model, const float* points, size_t n,
               const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
               std::vector<double>* out) {
  std::unique_ptr<LogProbRun> run;
  SW_RETURN_IF_ERROR(LogProbRun::Create(&model, points, n, options, pool, max_threads, &run));
  SW_RETURN_IF_ERROR(run->Step(run->total_steps()));
  *out = run->log_probs();
  return Status::Ok();
}

}  // namespace sw
