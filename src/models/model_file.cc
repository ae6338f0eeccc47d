// Model files: safetensors parsing, the "format" check, and dispatch on "architecture".
#include "models/model_file.h"

#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"

namespace sw {
namespace {

// Listed in errors so that a user with a newer file knows what this build understands.
constexpr char kSupportedArchitectures[] = "\"ncsn-mlp\", \"ncsn-unet\"";

}  // namespace

Status LoadScoreModel(const uint8_t* bytes, size_t size, LoadedModel* out) {
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadSafetensors(bytes, size, &file));

  const auto format = file.metadata.find(kMetadataFormatKey);
  if (format == file.metadata.end()) {
    return InvalidModel(
        "not a score-wasm model: the safetensors metadata has no \"format\" (expected "
        "\"format\": \"score-wasm\")");
  }
  if (format->second != kModelFileFormat) {
    return InvalidModel("not a score-wasm model: metadata \"format\" is " +
                        QuoteForMessage(format->second) + "; expected \"score-wasm\"");
  }
  const auto architecture = file.metadata.find(kMetadataArchitectureKey);
  if (architecture == file.metadata.end()) {
    return InvalidModel(std::string("the model metadata has no \"architecture\" (supported: ") +
                        kSupportedArchitectures + ")");
  }

  LoadedModel loaded;
  loaded.architecture = architecture->second;
  if (architecture->second == kNcsnMlpArchitecture) {
    std::unique_ptr<NcsnMlp> model;
    SW_RETURN_IF_ERROR(NcsnMlp::FromSafetensors(file, &model));
    loaded.model = std::move(model);
  } else if (architecture->second == kNcsnUnetArchitecture) {
    std::unique_ptr<NcsnUnet> model;
    SW_RETURN_IF_ERROR(NcsnUnet::FromSafetensors(file, &model));
    loaded.model = std::move(model);
  } else {
    return InvalidModel("unknown model architecture " + QuoteForMessage(architecture->second) +
                        " (supported: " + kSupportedArchitectures + ")");
  }
  // Every architecture requires "config"; its builder has checked that it is there.
  loaded.config_json = file.metadata[kMetadataConfigKey];
  *out = std::move(loaded);
  return Status::Ok();
}

Status LoadScoreModelFile(const std::string& path, LoadedModel* out) {
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  Status status = LoadScoreModel(bytes.data(), bytes.size(), out);
  if (status.ok()) return status;
  return Status(status.code(), path + ": " + status.message());
}

}  // namespace sw
