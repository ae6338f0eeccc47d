// The one owner of the sampling rules: how a caller's options and a model file's settings (its
// config's "sampling" and "sigmas") become the SamplerOptions a sampler runs. The package's
// model.sample() forwards its options here unchanged (after checking their JavaScript types), so
// the defaults, the geometric schedule and which option belongs to which sampler are decided in
// this one place. Messages name the options as sample() calls them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/model_file.h"
#include "samplers/sampler.h"

namespace sw {

// What a caller asks of one run. Every field left at its "not given" value takes the model file's
// setting, else the library's default, else is an error that says so.
struct SamplingRequest {
  std::string sampler;  // "annealed-langevin" or "langevin"; "" = the file's, else annealed
  // Annealed Langevin: the levels, largest first, either listed or as a geometric schedule
  // (sigmas_levels > 0); neither given = the file's trained sigmas.
  std::vector<float> sigmas;
  float sigmas_max = 0, sigmas_min = 0;
  int sigmas_levels = 0;
  int steps_per_level = 0;  // 0 = the file's, else 100 (NCSN's T)
  int denoise = -1;         // -1 = the file's (true when it has "sampling"), else false; 0 / 1
  // Plain Langevin: one level (default: the smallest trained σ, else the model's minimum) and
  // the number of steps (0 = the file's steps per level; required otherwise).
  bool has_sigma = false;
  float sigma = 0;
  int steps = 0;
  float step_size = 0;  // 0 = the file's (2e-5 when its "sampling" omits it); required otherwise
  // Passed through unchanged (see SamplerOptions).
  uint64_t seed = 0;
  InitKind init = InitKind::kGaussian;
  float uniform_lo = 0, uniform_hi = 1;
  std::vector<float> init_points;
};

// Resolves `request` against a model's config JSON (its "config" metadata; "{}" or "" for a model
// without one, such as a Gaussian mixture) into *out. INVALID_ARGUMENT naming the option when
// an option does not belong to the sampler, a required one is missing, or a value is out of range
// (the sampler itself checks the rest when the run is created). *out is unchanged on error.
Status ResolveSamplerOptions(const std::string& config_json, float min_sigma,
                             const SamplingRequest& request, SamplerOptions* out);

// The sampling a model's file recommends: ResolveSamplerOptions with nothing requested (the seed
// is left 0). INVALID_ARGUMENT when the file carries no sampling settings or names a sampler this
// build does not have.
Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out);

}  // namespace sw
