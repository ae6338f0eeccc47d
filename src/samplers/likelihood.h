// Exact likelihoods from the probability-flow ODE (Song et al. 2021, §4.3; the instantaneous change
// of variables of neural ODEs): along dx/dσ = −σ s(x, σ) the density changes as
// d log p_σ(x(σ)) / dσ = σ ∇·s(x(σ), σ), so for a point x at σ_min
//   log p_σmin(x) = log N(x(σ_max); 0, σ_max² I) − ∫ σ ∇·s(x(σ), σ) dσ   (σ_min to σ_max),
// integrated with Heun steps on the Karras levels an 'ode' run of `steps` levels takes, reversed.
// The divergence is exact (one vector–Jacobian product per dimension) or Hutchinson's estimate
// E[vᵀ (∂s/∂x) v] over Rademacher probes v, fixed per point for the whole trajectory.
//
// Bits per dimension for 8-bit images scaled to [0, 1] with uniform dequantisation (as the field
// reports them): bpd = −(log p(x) − dim · log 256) / (dim · ln 2), with x the dequantised image
// (pixel + U[0, 1)) / 256 and log p in nats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "models/score_model.h"

namespace sw {

class ThreadPool;

struct LogProbOptions {
  float sigma_max = 0, sigma_min = 0;  // 0 < sigma_min < sigma_max, sigma_min >= min_sigma()
  int steps = 0;                       // Karras levels, >= 2
  int probes = 0;                      // 0: the exact divergence; else Hutchinson's probes
  uint64_t seed = 0;                   // the probes
};

// One likelihood computation over n points, advanced in Heun steps like a SamplerRun.
class LogProbRun {
 public:
  // Validates (INVALID_ARGUMENT; OUT_OF_MEMORY past the working-memory budget) and copies the
  // n × dim points (finite). `model` and `pool` (may be null) must outlive the run.
  static Status Create(const ScoreModel* model, const float* points, size_t n,
                       const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
                       std::unique_ptr<LogProbRun>* out);

  // Advances at most max_steps Heun steps (> 0); INVALID_ARGUMENT if a trajectory diverged.
  Status Step(int max_steps);

  bool done() const { return steps_done_ == total_steps_; }
  int steps_done() const { return steps_done_; }
  int total_steps() const { return total_steps_; }
  // Network evaluations per point so far: (1 + divergence products) per score, two per step.
  int64_t evaluations() const { return evaluations_; }
  // log p_σmin of every point, in nats; valid once done().
  std::vector<double> log_probs() const;

 private:
  LogProbRun() = default;
  Status RunStep(int step);
  // ∇·s(x, σ) of the rows xb[(end − begin) × dim] (the points begin..end − 1) into div.
  void Divergence(const float* xb, size_t begin, size_t end, float sigma, double* div) const;

  const ScoreModel* model_ = nullptr;
  ThreadPool* pool_ = nullptr;
  size_t max_threads_ = 0, n_ = 0;
  LogProbOptions options_;
  std::vector<float> sigmas_;  // increasing
  int steps_done_ = 0, total_steps_ = 0;
  int64_t evaluations_ = 0;
  std::vector<float> x_, next_;
  std::vector<double> integral_;  // ∫ σ ∇·s dσ so far, per point
};

// Runs a whole LogProbRun (native tools and tests).
Status LogProb(const ScoreModel& model, const float* points, size_t n,
               const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
               std::vector<double>* out);

}  // namespace sw
