#include "samplers/sampling_rules.h"

#include <utility>
#include <vector>

#include "models/config_json.h"

namespace sw {
namespace {

// The published number of steps per level (NCSN, T = 100), for a model file without "sampling".
constexpr int kDefaultStepsPerLevel = 100;

Status NotFor(const char* option, const std::string& sampler) {
  return InvalidArgument(std::string("unknown option '") + option + "' for sampler '" + sampler +
                         "'");
}

Status Required(const char* option) {
  return InvalidArgument(std::string(option) +
                         " is required: the model has no default for it in its config");
}

}  // namespace

Status ResolveSamplerOptions(const std::string& config_json, float min_sigma,
                             const SamplingRequest& request, SamplerOptions* out) {
  std::vector<float> trained;
  bool has_sampling = false;
  SamplingDefaults file;
  const bool has_config = !config_json.empty() && config_json != "{}";
  if (has_config) {
    SW_RETURN_IF_ERROR(
        config_json::ReadSigmasAndSampling(config_json, &trained, &has_sampling, &file));
  }
  const std::string sampler =
      !request.sampler.empty() ? request.sampler
                               : (has_sampling ? file.sampler : std::string("annealed-langevin"));
  SamplerOptions o;
  if (sampler == "annealed-langevin") {
    if (request.has_sigma) return NotFor("sigma", sampler);
    if (request.steps != 0) return NotFor("steps", sampler);
    o.kind = SamplerKind::kAnnealedLangevin;
    if (!request.sigmas.empty() && request.sigmas_levels > 0) {
      return InvalidArgument("sigmas is either a list of levels or { max, min, levels }, not both");
    }
    if (request.sigmas_levels > 0) {
      SW_RETURN_IF_ERROR(GeometricSigmas(request.sigmas_max, request.sigmas_min,
                                         request.sigmas_levels, &o.sigmas));
    } else if (!request.sigmas.empty()) {
      o.sigmas = request.sigmas;
    } else if (!trained.empty()) {
      o.sigmas = trained;
    } else {
      return Required("sigmas");
    }
    o.steps_per_level = request.steps_per_level != 0 ? request.steps_per_level
                        : has_sampling               ? static_cast<int>(file.steps_per_level)
                                                     : kDefaultStepsPerLevel;
    o.denoise = request.denoise >= 0 ? request.denoise == 1 : has_sampling && file.denoise;
  } else if (sampler == "langevin") {
    if (!request.sigmas.empty() || request.sigmas_levels > 0) return NotFor("sigmas", sampler);
    if (request.steps_per_level != 0) return NotFor("stepsPerLevel", sampler);
    if (request.denoise >= 0) return NotFor("denoise", sampler);
    o.kind = SamplerKind::kLangevin;
    o.sigmas = {request.has_sigma ? request.sigma : !trained.empty() ? trained.back() : min_sigma};
    if (request.steps == 0 && !has_sampling) return Required("steps");
    o.steps_per_level = request.steps != 0 ? request.steps : static_cast<int>(file.steps_per_level);
    o.denoise = false;
  } else {
    return InvalidArgument("sampler must be one of 'langevin', 'annealed-langevin', got " +
                           QuoteForMessage(sampler));
  }
  if (request.step_size != 0) {
    o.step_size = request.step_size;
  } else if (has_sampling) {
    o.step_size = static_cast<float>(file.step_size);
  } else {
    return Required("stepSize");
  }
  o.seed = request.seed;
  o.init = request.init;
  o.uniform_lo = request.uniform_lo;
  o.uniform_hi = request.uniform_hi;
  o.init_points = request.init_points;
  *out = std::move(o);
  return Status::Ok();
}

Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out) {
  std::vector<float> sigmas;
  bool has_sampling = false;
  SamplingDefaults sampling;
  if (!config_json::ReadSigmasAndSampling(model.config_json, &sigmas, &has_sampling, &sampling)
           .ok() ||
      !has_sampling || sigmas.empty()) {
    return InvalidArgument(
        "the model file recommends no sampling settings (config \"sampling\" and \"sigmas\")");
  }
  // The model's minimum only matters for plain Langevin without trained sigmas (no file has that);
  // a LoadedModel holding only a config (as the fuzz target builds) has none.
  const float min_sigma = model.model != nullptr ? model.model->min_sigma() : 0.0f;
  return ResolveSamplerOptions(model.config_json, min_sigma, SamplingRequest(), out);
}

}  // namespace sw
