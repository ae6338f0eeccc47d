// Exact likelihoods from the probability-flow ODE (Song et al. 2021, §4.3; the instantaneous change
// of variables of neural ODEs): along dx/dσ = −σ s(x, σ) the density changes as
// d log p_σ(x(σ)) / dσ = σ ∇·s(x(σ), σ), so for a point x at σ_min
//   log p_σmin(x) = log N(x(σ_max); 0, σ_max² I) − ∫ σ ∇·s(x(σ), σ) dσ   (σ_min to σ_max),
// integrated (as the ODE of (x, ∫) in ln σ, a ChainOde) with Heun steps on the Karras levels an
// 'ode' run of `steps` levels takes, reversed, or with the adaptive Dormand–Prince solver.
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
#include "samplers/chain_ode.h"
#include "samplers/dormand_prince.h"

namespace sw {

class ThreadPool;

struct LogProbOptions {
  float sigma_max = 0, sigma_min = 0;  // 0 < sigma_min < sigma_max, sigma_min >= min_sigma()
  bool rk45 = false;                   // the adaptive solver instead of Heun steps
  int steps = 0;                       // Heun: Karras levels, >= 2
  double rtol = 1e-5, atol = 1e-5;     // rk45: in (0, 1); the state is (x, ∫) of every point
  int probes = 0;                      // 0: the exact divergence; else Hutchinson's probes
  uint64_t seed = 0;                   // the probes
};

// The augmented probability-flow ODE in u = ln σ of a state (x, ∫): dx/du = −σ² s(x, σ) and
// d∫/du = σ² ∇·s(x, σ), the divergence exact or Hutchinson's (the probes fixed per chain).
class LikelihoodOde : public ChainOde {
 public:
  LikelihoodOde(const ScoreModel* model, int probes, uint64_t seed)
      : model_(model), probes_(probes), seed_(seed) {}
  size_t state_dim() const override { return model_->dim() + 1; }
  int64_t evaluations_per_row() const override;
  size_t min_rows_per_task() const override { return model_->min_rows_per_task(); }
  uint64_t scratch_bytes(size_t max_rows) const override;
  void Derivative(const double* y, const float* sigma, const size_t* chains, size_t rows,
                  double* dy) const override;

 private:
  const ScoreModel* model_;
  int probes_;
  uint64_t seed_;
};

// One likelihood computation over n points, advanced step by step like a SamplerRun.
class LogProbRun {
 public:
  // Validates (INVALID_ARGUMENT; OUT_OF_MEMORY past the working-memory budget) and copies the
  // n × dim points (finite). `model` and `pool` (may be null) must outlive the run.
  static Status Create(const ScoreModel* model, const float* points, size_t n,
                       const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
                       std::unique_ptr<LogProbRun>* out);

  // Advances at most max_steps steps (> 0: Heun steps, or attempts of the adaptive solver);
  // INVALID_ARGUMENT if a trajectory diverged.
  Status Step(int max_steps);

  bool done() const;
  int steps_done() const { return steps_done_; }
  // The Heun steps of the whole run; 0 for the adaptive solver (found as it goes).
  int total_steps() const { return total_steps_; }
  double fraction() const;
  // Network evaluations per point so far: (1 + divergence products) per derivative, two per Heun
  // step; for the adaptive solver the points' mean.
  double evaluations() const;
  // log p_σmin of every point, in nats; valid once done().
  std::vector<double> log_probs() const;

 private:
  LogProbRun() : ode_(nullptr, 0, 0) {}
  Status HeunStep(int step);
  const std::vector<double>& state() const { return adaptive_ ? adaptive_->state() : y_; }

  const ScoreModel* model_ = nullptr;
  ThreadPool* pool_ = nullptr;
  size_t max_threads_ = 0, n_ = 0;
  LogProbOptions options_;
  LikelihoodOde ode_;
  std::unique_ptr<DormandPrinceRun> adaptive_;  // rk45
  std::vector<float> sigmas_;                   // Heun: the levels, increasing
  int steps_done_ = 0, total_steps_ = 0;
  int64_t heun_evaluations_ = 0;
  std::vector<double> y_;  // Heun: (x, ∫ σ ∇·s dσ so far) per point
};

// Runs a whole LogProbRun (native tools and tests).
Status LogProb(const ScoreModel& model, const float* points, size_t n,
               const LogProbOptions& options, ThreadPool* pool, size_t max_threads,
               std::vector<double>* out);

}  // namespace sw
