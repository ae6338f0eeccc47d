#include "samplers/dormand_prince.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/memory_budget.h"
#include "core/thread_pool.h"

namespace sw {
namespace {

// Chains per task (see ForEachChunk; at least the ODE's min_rows_per_task()): every chain's
// trajectory depends on that chain alone.
constexpr size_t kMaxChainsPerTask = 1024;
constexpr int kStages = 7;

// The Dormand–Prince tableau: nodes c, stage weights a (row i has i entries), the 5th-order
// weights b (also the last row of a: FSAL) and e = b − b̂, b̂ being the embedded 4th-order weights.
constexpr double kC[kStages] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
constexpr double kA[kStages][kStages - 1] = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
};
constexpr double kE[kStages] = {71.0 / 57600,      0,          -71.0 / 16695, 71.0 / 1920,
                                -17253.0 / 339200, 22.0 / 525, -1.0 / 40};

// Step-size control: the safety factor, the bounds of one change and the error's exponent
// (1 / (order of the embedded error estimate + 1)).
constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10, kExponent = 1.0 / 5;
// A step below this (in ln σ) cannot move a float σ: the solver is stuck.
constexpr double kMinStep = 1e-10;

// The RMS over m values of v_j / (atol + rtol max(|a_j|, |b_j|)).
double ScaledRms(const double* v, const double* a, const double* b, size_t m, double rtol,
                 double atol) {
  double sum = 0;
  for (size_t j = 0; j < m; ++j) {
    const double q = v[j] / (atol + rtol * std::max(std::fabs(a[j]), std::fabs(b[j])));
    sum += q * q;
  }
  return std::sqrt(sum / m);
}

}  // namespace

Status DormandPrinceRun::Create(const ChainOde* ode, const float* start, size_t start_dim, size_t n,
                                const DormandPrinceOptions& options, ThreadPool* pool,
                                size_t max_threads, std::unique_ptr<DormandPrinceRun>* out) {
  const size_t m = ode->state_dim();
  if (n == 0) return InvalidArgument("the ODE solver needs at least one chain");
  if (start_dim == 0 || start_dim > m) {
    return InvalidArgument("the ODE solver's start has " + std::to_string(start_dim) +
                           " values per chain for a state of " + std::to_string(m));
  }
  const float from = options.sigma_from, to = options.sigma_to;
  if (!std::isfinite(from) || !std::isfinite(to) || !(from > 0) || !(to > 0) || from == to) {
    return InvalidArgument("the ODE runs between two different finite sigmas > 0 (got " +
                           NumberForMessage(from) + " and " + NumberForMessage(to) + ")");
  }
  for (double tol : {options.rtol, options.atol}) {
    if (!std::isfinite(tol) || !(tol > 0) || tol >= 1) {
      return InvalidArgument(
          "rtol and atol must be numbers in (0, 1) (got rtol = " + NumberForMessage(options.rtol) +
          ", atol = " + NumberForMessage(options.atol) + ")");
    }
  }
  // The states and their derivatives, and per thread a task's 7 stages, the stage point, the
  // next state and the error, and the ODE's own scratch.
  const size_t threads = std::min(n, ChunkThreads(pool, max_threads));
  const size_t task_rows = std::min(n, kMaxChainsPerTask);
  const uint64_t per_thread =
      SaturatingAdd(SaturatingMul(10 * sizeof(double), SaturatingMul(task_rows, m)),
                    ode->scratch_bytes(task_rows));
  const uint64_t bytes = SaturatingAdd(SaturatingMul(2 * sizeof(double), SaturatingMul(n, m)),
                                       SaturatingMul(threads, per_thread));
  SW_RETURN_IF_ERROR(
      CheckWorkingMemory(bytes, "the adaptive ODE solver over " + std::to_string(n) + " chains"));
  std::unique_ptr<DormandPrinceRun> run(new DormandPrinceRun());
  run->ode_ = ode;
  run->pool_ = pool;
  run->max_threads_ = max_threads;
  run->n_ = n;
  run->m_ = m;
  run->rtol_ = options.rtol;
  run->atol_ = options.atol;
  run->u_from_ = std::log(double{from});
  run->u_to_ = std::log(double{to});
  run->sigma_lo_ = std::min(from, to);
  run->sigma_hi_ = std::max(from, to);
  run->unfinished_ = n;
  run->y_ = ChainStartStates(start, start_dim, n, m);
  run->k1_.resize(n * m);
  run->chains_.resize(n);
  for (Chain& c : run->chains_) c.u = run->u_from_;
  *out = std::move(run);
  return Status::Ok();
}

// σ = e^u as the network sees it, kept inside the run's range (e^(ln σ) may round past an end).
float DormandPrinceRun::SigmaAt(double u) const {
  return std::clamp(static_cast<float>(std::exp(u)), sigma_lo_, sigma_hi_);
}

double DormandPrinceRun::fraction() const {
  if (done()) return 1;
  double slowest = 1;
  for (const Chain& c : chains_) {
    slowest = std::min(slowest, c.done ? 1.0 : (c.u - u_from_) / (u_to_ - u_from_));
  }
  return slowest;
}

double DormandPrinceRun::evaluations() const {
  double sum = 0;
  for (const Chain& c : chains_) sum += static_cast<double>(c.evaluations);
  return sum / n_;
}

Status DormandPrinceRun::Step(int max_attempts) {
  if (max_attempts <= 0) return InvalidArgument("max_attempts must be positive");
  SW_RETURN_IF_ERROR(failure_);  // a failed run stays failed
  for (int a = 0; a < max_attempts && !done(); ++a) {
    const bool first = attempts_ == 0;
    ForEachChunk(
        pool_, n_, ode_->min_rows_per_task(), kMaxChainsPerTask,
        [&](size_t begin, size_t end) {
          if (first) {
            Start(begin, end);
          } else {
            Attempt(begin, end);
          }
        },
        max_threads_);
    ++attempts_;
    unfinished_ = 0;
    accepted_ = rejected_ = 0;
    for (size_t i = 0; i < n_; ++i) {
      const Chain& c = chains_[i];
      accepted_ += c.accepted;
      rejected_ += c.rejected;
      if (!c.done) ++unfinished_;
      if (c.failure == Failure::kNone) continue;
      const std::string where =
          "chain " + std::to_string(i) + " at sigma " + NumberForMessage(std::exp(c.u));
      switch (c.failure) {
        case Failure::kDiverged:
          failure_ = InvalidArgument("the ODE diverged to non-finite values (" + where + ")");
          break;
        case Failure::kUnderflow:
          failure_ = InvalidArgument("the ODE solver's step size underflowed (" + where +
                                     "): the score is not smooth enough for rtol/atol this small");
          break;
        default:
          failure_ = InvalidArgument("the ODE solver used up its " +
                                     std::to_string(kMaxDormandPrinceAttempts) + " steps (" +
                                     where + "): raise rtol/atol");
      }
      return failure_;
    }
  }
  return Status::Ok();
}

void DormandPrinceRun::Start(size_t begin, size_t end) {
  const size_t rows = end - begin, count = rows * m_;
  thread_local std::vector<size_t> ids;
  thread_local std::vector<float> sigma;
  thread_local std::vector<double> y1, f1;
  ids.resize(rows);
  sigma.resize(rows);
  y1.resize(count);
  f1.resize(count);
  const double* y0 = &y_[begin * m_];
  double* f0 = &k1_[begin * m_];
  for (size_t r = 0; r < rows; ++r) ids[r] = begin + r, sigma[r] = SigmaAt(u_from_);
  ode_->Derivative(y0, sigma.data(), ids.data(), rows, f0);
  const double direction = u_to_ > u_from_ ? 1 : -1, span = std::fabs(u_to_ - u_from_);
  std::vector<double> h0(rows);
  for (size_t r = 0; r < rows; ++r) {
    // d0, d1: the scaled sizes of y0 and f0; the trial step moves y by about 1 % of itself.
    const double* y = y0 + r * m_;
    const double* f = f0 + r * m_;
    const double d0 = ScaledRms(y, y, y, m_, rtol_, atol_);
    const double d1 = ScaledRms(f, y, y, m_, rtol_, atol_);
    h0[r] = std::min(span, d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1);
    for (size_t j = 0; j < m_; ++j) y1[r * m_ + j] = y[j] + direction * h0[r] * f[j];
    sigma[r] = SigmaAt(u_from_ + direction * h0[r]);
  }
  ode_->Derivative(y1.data(), sigma.data(), ids.data(), rows, f1.data());
  for (size_t r = 0; r < rows; ++r) {
    Chain& c = chains_[begin + r];
    const double* y = y0 + r * m_;
    const double* f = f0 + r * m_;
    // d2: the scaled change of the derivative over the trial step, an estimate of y''.
    for (size_t j = 0; j < m_; ++j) f1[r * m_ + j] -= f[j];
    const double d1 = ScaledRms(f, y, y, m_, rtol_, atol_);
    const double d2 = ScaledRms(&f1[r * m_], y, y, m_, rtol_, atol_) / h0[r];
    const double big = std::max(d1, d2);
    const double h1 = big <= 1e-15 ? std::max(1e-6, h0[r] * 1e-3) : std::pow(0.01 / big, kExponent);
    c.h = direction * std::min({100 * h0[r], h1, span});
    c.evaluations = 2 * ode_->evaluations_per_row();
    if (!std::isfinite(c.h)) c.failure = Failure::kDiverged;
  }
}

void DormandPrinceRun::Attempt(size_t begin, size_t end) {
  // The unfinished chains of the task, packed into rows.
  thread_local std::vector<size_t> ids;
  ids.clear();
  for (size_t i = begin; i < end; ++i) {
    if (!chains_[i].done) ids.push_back(i);
  }
  const size_t rows = ids.size(), count = rows * m_;
  if (rows == 0) return;
  // k: the stages (stage s of row r at s × count + r × m); point: a stage's input, then the error.
  thread_local std::vector<double> k, y0, point, next;
  thread_local std::vector<float> sigma;
  k.resize(kStages * count);
  y0.resize(count);
  point.resize(count);
  next.resize(count);
  sigma.resize(rows);
  std::vector<double> h(rows);
  for (size_t r = 0; r < rows; ++r) {
    Chain& c = chains_[ids[r]];
    // The last step lands on u_to exactly.
    const double left = u_to_ - c.u;
    h[r] = std::fabs(c.h) >= std::fabs(left) ? left : c.h;
    std::copy(&y_[ids[r] * m_], &y_[(ids[r] + 1) * m_], &y0[r * m_]);
    std::copy(&k1_[ids[r] * m_], &k1_[(ids[r] + 1) * m_], &k[r * m_]);
  }
  for (int s = 1; s < kStages; ++s) {
    for (size_t r = 0; r < rows; ++r) {
      for (size_t j = 0; j < m_; ++j) {
        double acc = 0;
        for (int t = 0; t < s; ++t) acc += kA[s][t] * k[t * count + r * m_ + j];
        point[r * m_ + j] = y0[r * m_ + j] + h[r] * acc;
      }
      sigma[r] = SigmaAt(chains_[ids[r]].u + kC[s] * h[r]);
    }
    // The last stage's input is the step's 5th-order result (FSAL).
    if (s == kStages - 1) std::copy(point.begin(), point.end(), next.begin());
    ode_->Derivative(point.data(), sigma.data(), ids.data(), rows, &k[s * count]);
  }
  // The error estimate h Σ e_s k_s (into point), then accept or shrink.
  const double* k_last = &k[(kStages - 1) * count];
  for (size_t r = 0; r < rows; ++r) {
    Chain& c = chains_[ids[r]];
    c.evaluations += (kStages - 1) * ode_->evaluations_per_row();
    double* e = &point[r * m_];
    bool finite = true;
    for (size_t j = 0; j < m_; ++j) {
      double acc = 0;
      for (int s = 0; s < kStages; ++s) acc += kE[s] * k[s * count + r * m_ + j];
      e[j] = h[r] * acc;
      finite = finite && std::isfinite(next[r * m_ + j]) && std::isfinite(k_last[r * m_ + j]);
    }
    if (!finite) {
      c.failure = Failure::kDiverged;
      c.done = true;
      continue;
    }
    const double error = ScaledRms(e, &y0[r * m_], &next[r * m_], m_, rtol_, atol_);
    const double grow = error == 0 ? kMaxFactor : kSafety * std::pow(error, -kExponent);
    if (error <= 1) {
      std::copy(&next[r * m_], &next[(r + 1) * m_], &y_[ids[r] * m_]);
      std::copy(k_last + r * m_, k_last + (r + 1) * m_, &k1_[ids[r] * m_]);
      const bool last = h[r] == u_to_ - c.u;
      c.u = last ? u_to_ : c.u + h[r];
      c.done = last;
      c.h = h[r] * std::clamp(grow, kMinFactor, c.rejected_last ? 1.0 : kMaxFactor);
      c.rejected_last = false;
      ++c.accepted;
    } else {
      c.h = h[r] * std::max(kMinFactor, grow);
      c.rejected_last = true;
      ++c.rejected;
      if (std::fabs(c.h) < kMinStep) c.failure = Failure::kUnderflow, c.done = true;
    }
    if (!c.done && c.accepted + c.rejected >= kMaxDormandPrinceAttempts) {
      c.failure = Failure::kTooManySteps;
      c.done = true;
    }
  }
}

}  // namespace sw
