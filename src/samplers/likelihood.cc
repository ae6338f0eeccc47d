// The probability-flow likelihood (see likelihood.h): the augmented ODE (x, ∫ σ ∇·s dσ) in ln σ,
// by Heun steps over the Karras levels or by the adaptive solver, points split into fixed chunks
// over the pool.
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

// Points per task (see ForEachChunk; at least the model's min_rows_per_task()); every point's
// result depends on that point alone.
constexpr size_t kMaxPointsPerTask = 1024;
constexpr size_t kMaxValues = size_t{1} << 26;  // n × dim, as for sampling
constexpr int kMaxProbes = 1 << 10;
constexpr double kLog2Pi = 1.8378770664093453;

// Probe k of point i: ±1 per coordinate, the signs of its own Philox normals.
void RademacherProbe(uint64_t seed, size_t point, int probe, size_t dim, float* v) {
  FillNormal(seed, RandomStream::kLikelihoodProbe, point, static_cast<uint32_t>(probe), v, dim);
  for (size_t j = 0; j < dim; ++j) v[j] = v[j] < 0 ? -1.0f : 1.0f;
}

}  // namespace

int64_t LikelihoodOde::evaluations_per_row() const {
  return 1 + (probes_ == 0 ? static_cast<int64_t>(model_->dim()) : probes_);
}

uint64_t LikelihoodOde::scratch_bytes(size_t max_rows) const {
  // The model's scratch for the score and the product, and the rows' point, score, probe and
  // product in float.
  return SaturatingAdd(SaturatingMul(2, model_->scratch_bytes_per_thread()),
                       SaturatingMul(4 * sizeof(float), SaturatingMul(max_rows, model_->dim())));
}

void LikelihoodOde::Derivative(const double* y, const float* sigma, const size_t* chains,
                               size_t rows, double* dy) const {
  const size_t dim = model_->dim(), m = dim + 1, count = rows * dim;
  thread_local std::vector<float> x, score, v, product;
  thread_local std::vector<double> div;
  x.resize(count);
  score.resize(count);
  v.resize(count);
  product.resize(count);
  div.assign(rows, 0.0);
  for (size_t r = 0; r < rows; ++r) std::copy(y + r * m, y + r * m + dim, &x[r * dim]);
  model_->ScoreRows(x.data(), rows, sigma, score.data());
  if (probes_ == 0) {  // Σ_j e_jᵀ (∂s/∂x) e_j, one product per coordinate
    for (size_t j = 0; j < dim; ++j) {
      std::fill(v.begin(), v.end(), 0.0f);
      for (size_t r = 0; r < rows; ++r) v[r * dim + j] = 1;
      model_->ScoreVjpRows(x.data(), rows, sigma, v.data(), product.data());
      for (size_t r = 0; r < rows; ++r) div[r] += product[r * dim + j];
    }
  } else {
    for (int k = 0; k < probes_; ++k) {
      for (size_t r = 0; r < rows; ++r) RademacherProbe(seed_, chains[r], k, dim, &v[r * dim]);
      model_->ScoreVjpRows(x.data(), rows, sigma, v.data(), product.data());
      for (size_t r = 0; r < rows; ++r) {
        double dot = 0;
        for (size_t j = 0; j < dim; ++j) dot += double(v[r * dim + j]) * product[r * dim + j];
        div[r] += dot / probes_;
      }
    }
  }
  for (size_t r = 0; r < rows; ++r) {
    const double s2 = double{sigma[r]} * sigma[r];
    for (size_t j = 0; j < dim; ++j) dy[r * m + j] = -s2 * score[r * dim + j];
    dy[r * m + dim] = s2 * div[r];
  }
}

Status LogProbRun::Create(const ScoreModel* model, const float* points, size_t n,
                          const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
                          std::unique_ptr<LogProbRun>* out) {
  const size_t dim = model->dim(), m = dim + 1;
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
  std::unique_ptr<LogProbRun> run(new LogProbRun());
  run->model_ = model;
  run->pool_ = pool;
  run->max_threads_ = max_threads;
  run->n_ = n;
  run->options_ = options;
  run->ode_ = LikelihoodOde(model, options.probes, options.seed);
  if (options.rk45) {  // the states (x, ∫ = 0), allocated once the solver has checked its memory
    if (!(options.sigma_min < options.sigma_max)) {
      return InvalidArgument("logProb needs sigmaMin < sigmaMax");
    }
    DormandPrinceOptions ode;
    ode.sigma_from = options.sigma_min;
    ode.sigma_to = options.sigma_max;
    ode.rtol = options.rtol;
    ode.atol = options.atol;
    SW_RETURN_IF_ERROR(DormandPrinceRun::Create(&run->ode_, points, dim, n, ode, pool, max_threads,
                                                &run->adaptive_));
  } else {
    SW_RETURN_IF_ERROR(KarrasSigmas(options.sigma_max, options.sigma_min, options.steps, kKarrasRho,
                                    &run->sigmas_));
    std::reverse(run->sigmas_.begin(), run->sigmas_.end());
    // The states, and per thread a task's two derivatives, the predictor and the ODE's scratch.
    const size_t threads = std::min(n, ChunkThreads(pool, max_threads));
    const size_t task_rows = std::min(n, kMaxPointsPerTask);
    const uint64_t per_thread =
        SaturatingAdd(SaturatingMul(3 * sizeof(double), SaturatingMul(task_rows, m)),
                      run->ode_.scratch_bytes(task_rows));
    SW_RETURN_IF_ERROR(
        CheckWorkingMemory(SaturatingAdd(SaturatingMul(sizeof(double), SaturatingMul(n, m)),
                                         SaturatingMul(threads, per_thread)),
                           "logProb of " + std::to_string(n) + " points"));
    run->total_steps_ = static_cast<int>(run->sigmas_.size()) - 1;
    run->y_ = ChainStartStates(points, dim, n, m);  // (x, ∫ = 0), once the memory is known to fit
  }
  *out = std::move(run);
  return Status::Ok();
}

bool LogProbRun::done() const {
  return adaptive_ ? adaptive_->done() : steps_done_ == total_steps_;
}

double LogProbRun::fraction() const {
  if (adaptive_) return adaptive_->fraction();
  return static_cast<double>(steps_done_) / total_steps_;
}

double LogProbRun::evaluations() const {
  return adaptive_ ? adaptive_->evaluations() : static_cast<double>(heun_evaluations_);
}

Status LogProbRun::Step(int max_steps) {
  if (max_steps <= 0) return InvalidArgument("max_steps must be positive");
  for (int i = 0; i < max_steps && !done(); ++i) {
    SW_RETURN_IF_ERROR(adaptive_ ? adaptive_->Step(1) : HeunStep(steps_done_));
    ++steps_done_;
  }
  return Status::Ok();
}

// One Heun step of the augmented state from σ_i up to σ_{i+1}: in σ the ODE is dy/dσ = f / σ (f
// the derivative in ln σ), so the Euler predictor is y + h f(y, σ_i) / σ_i and the step the
// trapezoid over both ends.
Status LogProbRun::HeunStep(int step) {
  const float sigma = sigmas_[step], sigma_next = sigmas_[step + 1];
  const double h = double{sigma_next} - sigma;
  const size_t m = ode_.state_dim();
  std::atomic<bool> diverged{false};
  ForEachChunk(
      pool_, n_, model_->min_rows_per_task(), kMaxPointsPerTask,
      [&](size_t begin, size_t end) {
        const size_t rows = end - begin, count = rows * m;
        thread_local std::vector<double> f, f_next, predicted;
        thread_local std::vector<float> at, at_next;
        thread_local std::vector<size_t> ids;
        f.resize(count);
        f_next.resize(count);
        predicted.resize(count);
        at.assign(rows, sigma);
        at_next.assign(rows, sigma_next);
        ids.resize(rows);
        for (size_t r = 0; r < rows; ++r) ids[r] = begin + r;
        double* y = &y_[begin * m];
        ode_.Derivative(y, at.data(), ids.data(), rows, f.data());
        for (size_t i = 0; i < count; ++i) predicted[i] = y[i] + h * f[i] / sigma;
        ode_.Derivative(predicted.data(), at_next.data(), ids.data(), rows, f_next.data());
        for (size_t i = 0; i < count; ++i) {
          predicted[i] = y[i] + 0.5 * h * (f[i] / sigma + f_next[i] / sigma_next);
          if (!std::isfinite(predicted[i])) diverged = true;
        }
        if (!diverged) std::copy(predicted.begin(), predicted.end(), y);
      },
      max_threads_);
  if (diverged) {
    return InvalidArgument("a likelihood trajectory diverged to non-finite values at step " +
                           std::to_string(step));
  }
  heun_evaluations_ += 2 * ode_.evaluations_per_row();
  return Status::Ok();
}

std::vector<double> LogProbRun::log_probs() const {
  const size_t dim = model_->dim(), m = dim + 1;
  const double s2 = double{options_.sigma_max} * options_.sigma_max;
  const std::vector<double>& y = state();
  std::vector<double> out(n_);
  for (size_t i = 0; i < n_; ++i) {
    double r2 = 0;
    for (size_t j = 0; j < dim; ++j) r2 += y[i * m + j] * y[i * m + j];
    const double prior = -0.5 * r2 / s2 - 0.5 * dim * (kLog2Pi + std::log(s2));
    out[i] = prior - y[i * m + dim];
  }
  return out;
}

Status LogProb(const ScoreModel& model, const float* points, size_t n,
               const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
               std::vector<double>* out) {
  std::unique_ptr<LogProbRun> run;
  SW_RETURN_IF_ERROR(LogProbRun::Create(&model, points, n, options, pool, max_threads, &run));
  while (!run->done()) SW_RETURN_IF_ERROR(run->Step(1 << 20));
  *out = run->log_probs();
  return Status::Ok();
}

}  // namespace sw
