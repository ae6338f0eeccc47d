// The one owner of the sampling rules: how a model file's sampling settings (its config's
// "sampling" and "sigmas") become the SamplerOptions a sampler runs.
#pragma once

#include "core/status.h"
#include "models/model_file.h"
#include "samplers/sampler.h"

namespace sw {

// The sampling a model's file recommends: its trained sigmas with the sampler, steps per level,
// step size and final denoising of its config's "sampling" (the seed is left 0). INVALID_ARGUMENT
// when the file carries no sampling settings or names a sampler this build does not have.
Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out);

}  // namespace sw
