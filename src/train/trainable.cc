// TrainableFromSafetensors: the one place that maps a model file's "architecture" to the code
// that trains it.
#include "train/trainable.h"

#include <utility>

#include "models/model_file.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"
#include "train/mlp_grad.h"
#include "train/unet_grad.h"

namespace sw {

Status TrainableFromSafetensors(const SafetensorsFile& file,
                                std::unique_ptr<TrainableNetwork>* out) {
  const auto format = file.metadata.find(kMetadataFormatKey);
  if (format == file.metadata.end() || format->second != kModelFileFormat) {
    return InvalidModel("trainable network: the metadata \"format\" is not \"score-wasm\"");
  }
  const auto architecture = file.metadata.find(kMetadataArchitectureKey);
  if (architecture == file.metadata.end()) {
    return InvalidModel("trainable network: the model metadata has no \"architecture\"");
  }
  // One branch per architecture the trainer knows.
  if (architecture->second == kNcsnMlpArchitecture) {
    NcsnMlpWeights weights;
    SW_RETURN_IF_ERROR(NcsnMlpWeightsFromSafetensors(file, &weights));
    return MakeTrainableNcsnMlp(std::move(weights), out);
  }
  if (architecture->second == kNcsnUnetArchitecture) {
    NcsnUnetWeights weights;
    SW_RETURN_IF_ERROR(NcsnUnetWeightsFromSafetensors(file, &weights));
    return MakeTrainableNcsnUnet(std::move(weights), out);
  }
  return InvalidModel("trainable network: unknown architecture " +
                      QuoteForMessage(architecture->second) +
                      " (the trainer knows \"ncsn-mlp\", \"ncsn-unet\")");
}

}  // namespace sw
