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

namespace sw {

class ThreadPool;

enum class SamplerKind { kLangevin = 0, kAnnealedLangevin = 1 };
enum class InitKind { kGaussian = 0, kUniform = 1, kGiven = 2 };

struct SamplerOptions {
  SamplerKind kind = SamplerKind::kAnnealedLangevin;
  // Noise levels, strictly decreasing, each >= model.min_sigma(). Plain Langevin uses exactly one.
  std::vector<float> sigmas;
  int steps_per_level = static_cast<int>(kDefaultStepsPerLevel);  // T, > 0
  float step_size = static_cast<float>(kDefaultStepSize);         // eps, > 0
  bool denoise = false;  // final x <- x + sigma_L^2 s(x, sigma_L) (annealed only)
  uint64_t seed = 0;
  InitKind init = InitKind::kGaussian;   // gaussian: N(0, sigmas[0]^2 I)
  float uniform_lo = 0, uniform_hi = 1;  // for InitKind::kUniform, lo < hi
  std::vector<float> init_points;        // for InitKind::kGiven: n × dim
};

// Builds a geometric schedule sigma_max ... sigma_min with `levels` values (levels >= 1; a single
// level is sigma_max). Fails unless 0 < sigma_min <= sigma_max (equal only when levels == 1).
Status GeometricSigmas(float sigma_max, float sigma_min, int levels, std::vector<float>* out);

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

  bool done() const { return steps_done_ == total_steps_; }
  int steps_done() const { return steps_done_; }
  int total_steps() const { return total_steps_; }
  // Index of the noise level of the next step (== number of levels once done / while denoising).
  int level() const;
  int levels() const { return static_cast<int>(options_.sigmas.size()); }
  int steps_per_level() const { return options_.steps_per_level; }
  size_t n() const { return n_; }
  size_t dim() const { return model_->dim(); }
  const std::vector<float>& samples() const { return x_; }

 private:
  SamplerRun() = default;
  Status RunStep(int step);

  const ScoreModel* model_ = nullptr;
  ThreadPool* pool_ = nullptr;
  size_t max_threads_ = 0;
  size_t n_ = 0;
  SamplerOptions options_;
  int steps_done_ = 0, total_steps_ = 0;
  std::vector<float> x_, next_;
};

// Runs a whole sampling run to completion (native tools and tests).
Status Sample(const ScoreModel& model, size_t n, const SamplerOptions& options, ThreadPool* pool,
              size_t max_threads, std::vector<float>* out);

}  // namespace sw
