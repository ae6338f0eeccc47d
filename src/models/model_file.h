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

#include "models/model_file_keys.h"
#include "models/score_model.h"

namespace sw {

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

}  // namespace sw
