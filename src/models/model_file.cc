// Model files: safetensors parsing, then the architecture's loader from the registry.
#include "models/model_file.h"

#include <utility>
#include <vector>

#include "io/safetensors.h"
#include "models/architectures.h"

namespace sw {

Status LoadScoreModel(const uint8_t* bytes, size_t size, LoadedModel* out) {
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadSafetensors(bytes, size, &file));
  const Architecture* architecture = nullptr;
  SW_RETURN_IF_ERROR(FindArchitecture(file, &architecture));
  LoadedModel loaded;
  loaded.architecture = architecture->name;
  SW_RETURN_IF_ERROR(architecture->load_model(file, &loaded.model));
  // Every architecture requires "config"; its loader has checked that it is there.
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
