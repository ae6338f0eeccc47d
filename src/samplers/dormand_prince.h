// The adaptive Dormand–Prince 5(4) solver (Dormand & Prince 1980; the method of scipy's RK45 and
// of the score-SDE reference code's probability-flow sampler), run chain by chain: every chain has
// its own step size, error control and position in u = ln σ, so a chain's trajectory never
// depends on the other chains, the batch size or the thread count (a batch-wide step, as the
// reference code takes, would make every sample and likelihood depend on its companions).
//
// Error control as in Hairer, Nørsett & Wanner, "Solving ODEs I", II.4: a step of size h is
// accepted when the RMS over the state of e_j / (atol + rtol max(|y_j|, |y'_j|)) is at most 1,
// e being the difference of the embedded 5th- and 4th-order results, and the next step is
// h · clamp(0.9 err^(−1/5), 0.2, 10) (no growth right after a rejection). The first step is
// chosen from the derivative's scale (their "starting step size" algorithm, one extra evaluation).
// The last stage of an accepted step is the first of the next (FSAL): 6 evaluations per attempt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "samplers/chain_ode.h"

namespace sw {

class ThreadPool;

struct DormandPrinceOptions {
  float sigma_from = 0, sigma_to = 0;  // > 0 and different: either direction
  double rtol = 1e-5, atol = 1e-5;     // finite, > 0
};

// Most attempted steps of one chain: far more than any tolerance >= 1e-10 needs on these ODEs.
inline constexpr int kMaxDormandPrinceAttempts = 100000;

class DormandPrinceRun {
 public:
  // Validates the options (INVALID_ARGUMENT), checks the working memory (OUT_OF_MEMORY), and only
  // then allocates the n start states: each chain's first start_dim values (1 ≤ start_dim ≤
  // ode->state_dim()) from start (n × start_dim), the rest 0 (a likelihood's integral).
  // `ode` and `pool` must outlive the run.
  static Status Create(const ChainOde* ode, const float* start, size_t start_dim, size_t n,
                       const DormandPrinceOptions& options, ThreadPool* pool, size_t max_threads,
                       std::unique_ptr<DormandPrinceRun>* out);

  // Makes at most max_attempts attempts (> 0) of every unfinished chain: the first one chooses
  // the step size, each later one tries a step. INVALID_ARGUMENT if a chain diverged to
  // non-finite values, its step size underflowed or it used up kMaxDormandPrinceAttempts (and
  // every later call returns the same error; the chains keep their last accepted states).
  Status Step(int max_attempts);

  bool done() const { return unfinished_ == 0 && failure_.ok(); }
  int attempts() const { return attempts_; }
  // How far the slowest chain has come, in ln σ: 0 at the start, 1 when every chain is done.
  double fraction() const;
  // Evaluations of the ODE's right-hand side per chain so far, averaged over the chains.
  double evaluations() const;
  // Accepted and rejected steps, summed over the chains.
  int64_t accepted_steps() const { return accepted_; }
  int64_t rejected_steps() const { return rejected_; }
  // n × state_dim: the chains' states, at sigma_to once done().
  const std::vector<double>& state() const { return y_; }

 private:
  DormandPrinceRun() = default;
  // The first attempt of chains [begin, end): their derivative and step size.
  void Start(size_t begin, size_t end);
  // One attempted step of the unfinished chains in [begin, end).
  void Attempt(size_t begin, size_t end);
  float SigmaAt(double u) const;

  const ChainOde* ode_ = nullptr;
  ThreadPool* pool_ = nullptr;
  size_t max_threads_ = 0, n_ = 0, m_ = 0;
  double rtol_ = 0, atol_ = 0, u_from_ = 0, u_to_ = 0;
  float sigma_lo_ = 0, sigma_hi_ = 0;
  int attempts_ = 0;
  size_t unfinished_ = 0;
  Status failure_ = Status::Ok();
  int64_t accepted_ = 0, rejected_ = 0;
  std::vector<double> y_, k1_;  // per chain: the state and its derivative (FSAL)
  enum class Failure : uint8_t { kNone, kDiverged, kUnderflow, kTooManySteps };
  struct Chain {
    double u = 0, h = 0;  // where the chain is and its next step (signed, towards u_to_)
    int64_t evaluations = 0;
    int accepted = 0, rejected = 0;
    bool rejected_last = false, done = false;
    Failure failure = Failure::kNone;
  };
  std::vector<Chain> chains_;
};

}  // namespace sw
