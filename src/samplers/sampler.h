// Langevin-type samplers over any ScoreModel, run step by step so that callers (the JS worker,
// native tools) can report progress and cancel between steps.
//
// Step-size conventions (NCSN's code uses both; we keep each sampler's published form):
//   langevin:           x <- x + eps * s(x, sigma) + sqrt(2 eps) z           (DESIGN.md §2)
//   annealed-langevin:  alpha_i = eps * sigma_i^2 / sigma_L^2,
//                       x <- x + (alpha_i / 2) * s(x, sigma_i) + sqrt(alpha_i) z  (NCSN Algorithm
//                       1)
//   optional final denoising step (NCSNv2): x <- x + sigma_L^2 * s(x, sigma_L)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "models/config_json.h"
#include "models/score_model.h"
#include "samplers/chain_ode.h"
#include "samplers/dormand_prince.h"

namespace sw {

class ThreadPool;

// Langevin dynamics at one level, annealed over levels (NCSN), and the reverse-time VE SDE
// (Song et al. 2021): its discretisation, the same with Langevin corrector steps at each level
// (predictor-corrector), and the probability-flow ODE dx/dσ = −σ s(x, σ) with Heun's method or
// the adaptive Dormand–Prince solver (RK45).
enum class SamplerKind {
  kLangevin = 0,
  kAnnealedLangevin = 1,
  kReverseDiffusion = 2,
  kPredictorCorrector = 3,
  kProbabilityFlowHeun = 4,
  kProbabilityFlowRk45 = 5,
};
enum class InitKind { kGaussian = 0, kUniform = 1, kGiven = 2 };

// What each kind does with sigmas = σ_0 > σ_1 > ... > σ_{N-1} (every σ >= model.min_sigma()):
//   langevin             steps_per_level steps x <- x + ε s(x, σ_0) + √(2ε) z (N = 1, σ_0 may be 0)
//   annealed-langevin    steps_per_level steps per level, α_i = ε σ_i² / σ_{N-1}²:
//                        x <- x + (α_i / 2) s(x, σ_i) + √α_i z
//   reverse-diffusion    one step per level, to the next level and from the last to 0 (σ_N = 0):
//                        x <- x + (σ_i² − σ_{i+1}²) s(x, σ_i) + √(σ_i² − σ_{i+1}²) z
//   predictor-corrector  corrector_steps Langevin steps x <- x + ε_i s + √(2 ε_i) z at each level
//                        with ε_i = 2 (snr σ_i)², then the reverse-diffusion step
//   probability-flow-heun  Heun steps of dx/dσ = −σ s(x, σ) from σ_i to σ_{i+1} (N >= 2; two
//                        score evaluations per step). Its sigmas may also strictly increase: that
//                        run encodes data (the given start points) into latents at the largest σ,
//                        and the decreasing run from those latents decodes them (no denoise).
//   probability-flow-rk45  the same ODE from σ_0 to σ_1 (N = 2, either direction) with adaptive
//                        Dormand–Prince steps, each chain its own (samplers/dormand_prince.h),
//                        to the tolerances rtol, atol; a "step" is one attempt of every chain.
// denoise: the final x <- x + σ_{N-1}² s(x, σ_{N-1}) without noise (for the reverse SDE the last
// step without its noise; for the others one more step).
struct SamplerOptions {
  SamplerKind kind = SamplerKind::kAnnealedLangevin;
  std::vector<float> sigmas;  // strictly decreasing (see the ODE), > 0 but for plain Langevin
  int steps_per_level = static_cast<int>(kDefaultStepsPerLevel);  // T, > 0 (Langevin kinds)
  float step_size = static_cast<float>(kDefaultStepSize);         // ε, > 0 (Langevin kinds)
  int corrector_steps = 1;                                        // >= 0 (predictor-corrector)
  float snr = 0.16f;                                              // > 0 (predictor-corrector)
  double rtol = 1e-5, atol = 1e-5;                                // in (0, 1) (rk45)
  bool denoise = false;
  uint64_t seed = 0;
  InitKind init = InitKind::kGaussian;   // gaussian: N(0, sigmas[0]^2 I)
  float uniform_lo = 0, uniform_hi = 1;  // for InitKind::kUniform, lo < hi
  std::vector<float> init_points;        // for InitKind::kGiven: n × dim
  // Inpainting (annealed-langevin, reverse-diffusion, predictor-corrector): mask says which values
  // are known (1) and known holds them, each dim values (the same for every chain) or n × dim.
  // At the start and after every step the known values are replaced by the known data noised to
  // the level the chains have reached, known + σ z (fresh z), and the run ends with them exactly.
  // Empty: no inpainting.
  std::vector<float> known;
  std::vector<uint8_t> mask;
};

// Builds a geometric schedule sigma_max ... sigma_min with `levels` values (levels >= 1; a single
// level is sigma_max). Fails unless 0 < sigma_min <= sigma_max (equal only when levels == 1).
Status GeometricSigmas(float sigma_max, float sigma_min, int levels, std::vector<float>* out);

// The σ spacing of Karras et al. 2022 (EDM): σ_i = (max^(1/ρ) + i / (levels − 1) (min^(1/ρ) −
// max^(1/ρ)))^ρ for i < levels >= 2, dense near sigma_min for ρ > 1 (they use ρ = 7). The same
// conditions as GeometricSigmas, and ρ finite >= 1.
Status KarrasSigmas(float sigma_max, float sigma_min, int levels, double rho,
                    std::vector<float>* out);

// One sampling run: n chains advanced together, split into fixed chunks over a thread pool.
class SamplerRun {
 public:
  // Validates everything (n > 0, options, init shape and finiteness) and draws the start points.
  // `model` and `pool` (may be null) must outlive the run. max_threads = 0 uses every thread.
  static Status Create(const ScoreModel* model, size_t n, const SamplerOptions& options,
                       ThreadPool* pool, size_t max_threads, std::unique_ptr<SamplerRun>* out);

  // Advances at most max_steps steps (max_steps > 0). Returns an error if the chains diverged to
  // non-finite values (the samples then stay as they were before the failing step).
  Status Step(int max_steps);

  bool done() const;
  int steps_done() const { return steps_done_; }
  // The steps of the whole run; 0 for the adaptive ODE, whose count is found as it goes.
  int total_steps() const { return total_steps_; }
  // How much of the run is done, 0 to 1: steps_done / total_steps, or for the adaptive ODE how far
  // its slowest chain has come (in ln σ).
  double fraction() const;
  // Index of the noise level of the next step (== number of levels once done / while denoising).
  int level() const;
  int levels() const { return static_cast<int>(options_.sigmas.size()); }
  // Steps at each level: steps_per_level for the Langevin kinds, corrector_steps + 1 for
  // predictor-corrector, 1 otherwise.
  int steps_per_level() const { return steps_per_level_; }
  // Score evaluations per chain so far (two per Heun step, one per other step; for the adaptive
  // ODE the chains' mean).
  double evaluations() const;
  size_t n() const { return n_; }
  size_t dim() const { return model_->dim(); }
  const std::vector<float>& samples() const { return x_; }

 private:
  SamplerRun() = default;
  Status RunStep(int step);
  // Inpainting: sets the known values of chains [begin, end) of x (the run's layout) to
  // known + sigma z, z drawn for (chain, counter).
  void ApplyKnown(size_t begin, size_t end, float sigma, uint32_t counter, float* x) const;

  // The adaptive ODE (kProbabilityFlowRk45); x_ follows its state after every step.
  std::unique_ptr<ProbabilityFlowOde> flow_;
  std::unique_ptr<DormandPrinceRun> ode_;
  const ScoreModel* model_ = nullptr;
  ThreadPool* pool_ = nullptr;
  size_t max_threads_ = 0;
  size_t n_ = 0;
  SamplerOptions options_;
  int steps_done_ = 0, total_steps_ = 0, steps_per_level_ = 1;
  int64_t evaluations_ = 0;
  std::vector<float> x_, next_;
};

// Runs a whole sampling run to completion (native tools and tests).
Status Sample(const ScoreModel& model, size_t n, const SamplerOptions& options, ThreadPool* pool,
              size_t max_threads, std::vector<float>* out);

}  // namespace sw
