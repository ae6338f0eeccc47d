// The table-driven parts of every architecture (see tensor_table.h).
#include "models/tensor_table.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/philox.h"
#include "models/model_file_keys.h"

namespace sw {

uint64_t TensorSpec::elements() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

Status CheckTableTensors(const char* architecture, const TensorTable& table,
                         const ConstTensorList& slots) {
  const std::string arch = architecture;
  if (slots.size() != table.size()) {
    return InvalidModel(arch + ": " + std::to_string(slots.size()) +
                        " tensors; the config implies " + std::to_string(table.size()));
  }
  for (size_t i = 0; i < table.size(); ++i) {
    const std::vector<float>& t = *slots[i];
    if (t.size() != table[i].elements()) {
      return InvalidModel(arch + ": " + table[i].name + " has " + std::to_string(t.size()) +
                          " values; the config implies " + ShapeText(table[i].shape));
    }
    if (!std::all_of(t.begin(), t.end(), [](float v) { return std::isfinite(v); })) {
      return InvalidModel(arch + ": " + table[i].name + " holds a non-finite value");
    }
  }
  return Status::Ok();
}

Status ReadTableTensors(const char* architecture, const TensorTable& table,
                        const SafetensorsFile& file, const TensorList& slots) {
  const std::string arch = architecture;
  std::set<std::string> expected;
  for (size_t i = 0; i < table.size(); ++i) {
    const TensorSpec& spec = table[i];
    expected.insert(spec.name);
    const Tensor* t = file.Find(spec.name);
    if (t == nullptr) {
      return InvalidModel(arch + ": tensor " + QuoteForMessage(spec.name) +
                          " is missing (the config implies it)");
    }
    if (t->shape != spec.shape) {
      return InvalidModel(arch + ": tensor " + QuoteForMessage(spec.name) + " has shape " +
                          ShapeText(t->shape) + "; the config implies " + ShapeText(spec.shape));
    }
    *slots[i] = t->data;
  }
  for (const Tensor& t : file.tensors) {
    if (expected.count(t.name) == 0) {
      return InvalidModel(arch + ": unexpected tensor " + QuoteForMessage(t.name) +
                          " (not part of the architecture the config describes)");
    }
  }
  return CheckTableTensors(architecture, table, ConstTensorList(slots.begin(), slots.end()));
}

SafetensorsFile TableToSafetensors(const char* architecture, const std::string& config_json,
                                   const TensorTable& table, const ConstTensorList& slots) {
  SafetensorsFile file;
  file.metadata[kMetadataFormatKey] = kModelFileFormat;
  file.metadata[kMetadataArchitectureKey] = architecture;
  file.metadata[kMetadataConfigKey] = config_json;
  for (size_t i = 0; i < table.size(); ++i) {
    file.tensors.push_back({table[i].name, table[i].shape, *slots[i]});
  }
  return file;
}

void InitTableTensors(const TensorTable& table, uint64_t seed, const TensorList& slots) {
  for (size_t i = 0; i < table.size(); ++i) {
    const TensorSpec& spec = table[i];
    std::vector<float>& t = *slots[i];
    t.assign(static_cast<size_t>(spec.elements()), spec.init == TensorInit::kOnes ? 1.0f : 0.0f);
    if (spec.init == TensorInit::kNormalFanIn || spec.init == TensorInit::kStandardNormal) {
      FillNormal(seed, RandomStream::kInit, spec.init_stream, 0, t.data(), t.size());
    }
    if (spec.init == TensorInit::kNormalFanIn) {
      const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(spec.shape[0])));
      for (float& v : t) v *= scale;
    }
  }
}

Status ModelFileConfig(const char* architecture, const SafetensorsFile& file,
                       std::string* config_json) {
  const std::string arch = architecture;
  const auto found = file.metadata.find(kMetadataArchitectureKey);
  if (found == file.metadata.end() || found->second != arch) {
    return InvalidModel(
        arch + ": the metadata \"architecture\" is " +
        (found == file.metadata.end() ? "missing" : QuoteForMessage(found->second)) +
        "; expected \"" + arch + "\"");
  }
  const auto config = file.metadata.find(kMetadataConfigKey);
  if (config == file.metadata.end()) {
    return InvalidModel(arch + ": the metadata has no \"config\" (a JSON object string)");
  }
  *config_json = config->second;
  return Status::Ok();
}

}  // namespace sw
