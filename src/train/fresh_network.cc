// The fresh network of a training run and the model file of a trained one.
#include "train/fresh_network.h"

#include <cmath>
#include <string>
#include <utility>

#include "io/safetensors.h"
#include "models/architectures.h"
#include "models/model_file_keys.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace sw {

namespace {

// Technique 4 assumes the exact score. A learned one can be weaker in the noise directions at
// small σ, so that chains contract more slowly than it plans for and keep noise for the next
// level; a larger step is then the remedy (web/models/README.md measures it for the image models):
// hence step_size_scale.
Status ChooseSampling(const std::vector<float>& data, size_t dim, const FreshNetworkSpec& spec,
                      NoiseScheduleChoice* schedule, std::vector<float>* sigmas,
                      SamplingDefaults* sampling) {
  SW_RETURN_IF_ERROR(ChooseNoiseSchedule(data, dim, spec.sigma_min, spec.steps_per_level, schedule,
                                         /*max_gamma=*/2.0, spec.levels));
  SW_RETURN_IF_ERROR(
      GeometricSigmas(schedule->sigma_max, schedule->sigma_min, schedule->levels, sigmas));
  const float step_size = schedule->step_size * spec.step_size_scale;
  if (!(spec.step_size_scale > 0) || !std::isfinite(step_size)) {
    return InvalidArgument("the step-size scale must be finite and > 0 (got " +
                           std::to_string(spec.step_size_scale) + ")");
  }
  const bool sde = IsSdeSampler(spec.sampler);
  if (!sde && spec.sampler != "annealed-langevin") {
    return InvalidArgument(
        "the advised sampler must be annealed-langevin, reverse-diffusion, pc "
        "or ode (got " +
        QuoteForMessage(spec.sampler) + ")");
  }
  if (spec.sampler_steps != 0 && (!sde || spec.sampler_steps < 2)) {
    return InvalidArgument("sampler steps are the levels of reverse-diffusion, pc or ode, >= 2");
  }
  // Its range is the config's (ValidateSampling, when the network is made).
  if (spec.sampler_snr != 0 && spec.sampler != "pc") {
    return InvalidArgument("the sampler snr is pc's corrector signal-to-noise ratio (got " +
                           NumberForMessage(spec.sampler_snr) + " with " +
                           QuoteForMessage(spec.sampler) + ")");
  }
  sampling->sampler = spec.sampler;
  sampling->steps_per_level = schedule->steps_per_level;
  sampling->step_size = step_size;
  sampling->denoise = true;
  sampling->steps = spec.sampler_steps;
  sampling->snr = spec.sampler_snr;
  return Status::Ok();
}

// The config checks report a bad file (INVALID_MODEL); here the config is the caller's request.
Status AsArgumentError(const Status& s) {
  return s.code() == StatusCode::kInvalidModel ? InvalidArgument(s.message()) : s;
}

}  // namespace

float DataScale(const std::vector<float>& data) {
  double sum = 0.0;
  for (float v : data) sum += static_cast<double>(v) * v;
  return data.empty() ? 0.0f : static_cast<float>(std::sqrt(sum / data.size()));
}

Status MakeFreshNetwork(const std::vector<float>& data, size_t dim, const FreshNetworkSpec& spec,
                        FreshNetwork* out) {
  if (out == nullptr) return InvalidArgument("MakeFreshNetwork: null output");
  const bool image = spec.image_height > 0 || spec.image_width > 0;
  if (image && spec.image_height * spec.image_width != dim) {
    return InvalidArgument("an image network needs dim = height × width (grey images); got dim " +
                           std::to_string(dim) + " for " + std::to_string(spec.image_height) +
                           " × " + std::to_string(spec.image_width));
  }
  if (!image && spec.precondition) {
    return InvalidArgument("preconditioning is the U-Net's (the MLP has none)");
  }
  FreshNetwork fresh;
  std::vector<float> sigmas;
  SW_RETURN_IF_ERROR(ChooseSampling(data, dim, spec, &fresh.schedule, &sigmas, &fresh.sampling));
  if (!image) {
    NcsnMlpConfig config;
    config.dim = dim;
    config.data_shape = {static_cast<int64_t>(dim)};
    config.hidden = spec.widths;
    config.sigma_embedding_freqs = spec.sigma_embedding_freqs;
    config.sigmas = std::move(sigmas);
    config.has_sampling = true;
    config.sampling = fresh.sampling;
    NcsnMlpWeights weights;
    SW_RETURN_IF_ERROR(AsArgumentError(InitNcsnMlpWeights(config, spec.seed, &weights)));
    SW_RETURN_IF_ERROR(MakeTrainableNcsnMlp(std::move(weights), &fresh.network));
  } else {
    NcsnUnetConfig config;
    config.height = spec.image_height;
    config.width = spec.image_width;
    config.image_channels = 1;
    config.channels = spec.widths;
    config.groups = spec.groups;
    config.sigma_embedding_freqs = spec.sigma_embedding_freqs;
    config.embedding_dim = spec.embedding_dim;
    if (spec.precondition) config.sigma_data = DataScale(data);
    config.sigmas = std::move(sigmas);
    config.has_sampling = true;
    config.sampling = fresh.sampling;
    NcsnUnetWeights weights;
    SW_RETURN_IF_ERROR(AsArgumentError(InitNcsnUnetWeights(config, spec.seed, &weights)));
    SW_RETURN_IF_ERROR(MakeTrainableNcsnUnet(std::move(weights), &fresh.network));
  }
  *out = std::move(fresh);
  return Status::Ok();
}

Status TrainedModelFile(const TrainableNetwork& network, const SamplingDefaults& sampling,
                        bool store_f16, std::vector<uint8_t>* bytes) {
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(network.ToSafetensors(&file));
  std::string& config_text = file.metadata[kMetadataConfigKey];
  SW_RETURN_IF_ERROR(config_json::WithSampling(config_text, sampling, &config_text));
  return WriteSafetensors(file, store_f16, bytes);
}

}  // namespace sw
