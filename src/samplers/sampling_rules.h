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
#include "samplers/likelihood.h"
#include "samplers/sampler.h"

namespace sw {

// What a caller asks of one run. Every field left at its "not given" value takes the model file's
// setting, else the library's default, else is an error that says so.
struct SamplingRequest {
  // "annealed-langevin", "langevin", "reverse-diffusion", "pc" or "ode"; "" = the file's, else
  // annealed
  std::string sampler;
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
  // Plain Langevin's steps, or the levels of an SDE sampler's discretisation (0 = the file's
  // sampling.steps when the file's sampler is this one, else kDefaultSdeSteps / kDefaultOdeSteps).
  int steps = 0;
  // SDE samplers: the schedule's ends (0 = the file's largest / smallest trained σ; required for a
  // model without them).
  float sigma_max = 0, sigma_min = 0;
  int corrector_steps = -1;  // "pc": Langevin corrector steps per level (-1 = 1)
  float snr = 0;  // "pc": the corrector's signal-to-noise ratio (0 = the file's snr, else 0.16)
  std::string solver;         // "ode": "heun" or "rk45" ("" = heun)
  double rtol = 0, atol = 0;  // "ode" with "rk45": its tolerances (0 = kDefaultOdeTolerance)
  // "ode": integrate from sigmaMin up to sigmaMax instead, from the given start points (init =
  // kGiven): data -> latents, over the generating run's levels in reverse (no denoise).
  bool encode = false;
  float step_size = 0;  // 0 = the file's (2e-5 when its "sampling" omits it); required otherwise
  // Passed through unchanged (see SamplerOptions).
  uint64_t seed = 0;
  InitKind init = InitKind::kGaussian;
  float uniform_lo = 0, uniform_hi = 1;
  std::vector<float> init_points;
  std::vector<float> known;  // inpainting: see SamplerOptions
  std::vector<uint8_t> mask;
};

// Resolves `request` against a model's config JSON (its "config" metadata; "{}" or "" for a model
// without one, such as a Gaussian mixture) into *out. INVALID_ARGUMENT naming the option when
// an option does not belong to the sampler, a required one is missing, or a value is out of range
// (the sampler itself checks the rest when the run is created). *out is unchanged on error.
// The SDE samplers' default steps: geometric levels for "reverse-diffusion" and "pc", and Karras
// levels (ρ = 7) for the "ode" (18 levels: 17 Heun steps, 34 evaluations, as EDM uses).
inline constexpr int kDefaultSdeSteps = 500;
inline constexpr int kDefaultOdeSteps = 18;
inline constexpr double kKarrasRho = 7.0;
// The adaptive solver's default rtol and atol (the score-SDE reference code's).
inline constexpr double kDefaultOdeTolerance = 1e-5;

// Whether `sampler` names one of the score-SDE samplers ("reverse-diffusion", "pc", "ode"), whose
// `steps` are the levels of their schedule.
bool IsSdeSampler(const std::string& sampler);

// What a caller asks of a likelihood computation (model.logProb): "not given" is 0 (-1 for probes).
struct LogProbRequest {
  std::string solver;                  // "heun" or "rk45" ("" = heun)
  int steps = 0;                       // heun: 0 = kDefaultLogProbSteps
  double rtol = 0, atol = 0;           // rk45: 0 = kDefaultOdeTolerance
  float sigma_max = 0, sigma_min = 0;  // 0 = the file's largest / smallest trained σ
  int probes = -1;                     // -1 = exact for dim <= kMaxExactDivergenceDim, else 1 probe
  uint64_t seed = 0;
};
inline constexpr int kDefaultLogProbSteps = 200;
inline constexpr size_t kMaxExactDivergenceDim = 16;

// Resolves a likelihood request against a model's config JSON (as ResolveSamplerOptions does);
// LogProbRun::Create checks the values.
Status ResolveLogProbOptions(const std::string& config_json, size_t dim,
                             const LogProbRequest& request, LogProbOptions* out);

Status ResolveSamplerOptions(const std::string& config_json, float min_sigma,
                             const SamplingRequest& request, SamplerOptions* out);

// The sampling a model's file recommends: ResolveSamplerOptions with nothing requested (the seed
// is left 0). INVALID_ARGUMENT when the file carries no sampling settings or names a sampler this
// build does not have.
Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out);

}  // namespace sw
