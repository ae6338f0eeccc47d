#include "samplers/sampling_rules.h"

#include <utility>
#include <vector>

#include "models/config_json.h"

namespace sw {

Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out) {
  std::vector<float> sigmas;
  bool has_sampling = false;
  SamplingDefaults sampling;
  if (!config_json::ReadSigmasAndSampling(model.config_json, &sigmas, &has_sampling, &sampling)
           .ok() ||
      !has_sampling) {
    return InvalidArgument("the model file recommends no sampling settings (config \"sampling\")");
  }
  SamplerOptions options;
  if (sampling.sampler == "annealed-langevin") {
    options.kind = SamplerKind::kAnnealedLangevin;
    options.sigmas = sigmas;
  } else if (sampling.sampler == "langevin") {
    options.kind = SamplerKind::kLangevin;
    options.sigmas = {sigmas.back()};
  } else {
    return InvalidArgument("the model file recommends the sampler " +
                           QuoteForMessage(sampling.sampler) +
                           ", which this build does not have (annealed-langevin, langevin)");
  }
  options.steps_per_level = static_cast<int>(sampling.steps_per_level);
  options.step_size = static_cast<float>(sampling.step_size);
  options.denoise = sampling.denoise;
  *out = std::move(options);
  return Status::Ok();
}

}  // namespace sw
