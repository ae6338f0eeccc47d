// Loading a score-wasm model file: a .safetensors file whose metadata names the architecture and
// carries its configuration as a JSON string:
//   "format":       "score-wasm"
//   "architecture": "ncsn-mlp" (models/ncsn_mlp.h) or "ncsn-unet" (models/ncsn_unet.h)
//   "config":       JSON object text, its keys defined by the architecture (see ncsn_mlp.h)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "models/score_model.h"
#include "samplers/sampler.h"

namespace sw {

// Metadata keys and the value of "format" shared by every architecture.
inline constexpr char kMetadataFormatKey[] = "format";
inline constexpr char kMetadataArchitectureKey[] = "architecture";
inline constexpr char kMetadataConfigKey[] = "config";
inline constexpr char kModelFileFormat[] = "score-wasm";

struct LoadedModel {
  std::unique_ptr<ScoreModel> model;
  std::string architecture;  // the "architecture" metadata value, e.g. "ncsn-mlp"
  std::string config_json;   // the "config" metadata value as stored (sigmas, sampling defaults)
};

// Parses a model file from bytes[0..size) and builds its score model. INVALID_MODEL when the bytes
// are not a valid safetensors file, the metadata is missing or names an unknown format or
// architecture, or the config and tensors disagree. On error *out is unchanged.
Status LoadScoreModel(const uint8_t* bytes, size_t size, LoadedModel* out);

// Reads the file at `path` (native tools, tests) and loads it as LoadScoreModel does; IO_ERROR
// when the file cannot be read.
Status LoadScoreModelFile(const std::string& path, LoadedModel* out);

// The sampling a model's file recommends: its trained sigmas with the sampler, steps per level,
// step size and final denoising of its config's "sampling" (the seed is left 0). INVALID_ARGUMENT
// when the file carries no sampling settings or names a sampler this build does not have.
Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out);

}  // namespace sw
