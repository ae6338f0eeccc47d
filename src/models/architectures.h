// Every architecture this build knows, in one list: the runtime's loader (models/model_file.h), the
// trainer's checkpoints and the tools find an architecture here by the model file's "architecture"
// metadata. Adding an architecture means writing its definition (config, tensor table, forward and
// backward) and one entry in architectures.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"
#include "models/score_model.h"
#include "models/trainable_network.h"

namespace sw {

struct Architecture {
  const char* name;  // the "architecture" metadata value
  // The model for sampling, and the network for training, of a model file of this architecture
  // (INVALID_MODEL when the config and tensors disagree; *out unchanged on error).
  Status (*load_model)(const SafetensorsFile& file, std::unique_ptr<ScoreModel>* out);
  Status (*load_trainable)(const SafetensorsFile& file, std::unique_ptr<TrainableNetwork>* out);
};

const std::vector<Architecture>& Architectures();

// The architecture of a model file: its "format" must be "score-wasm" and its "architecture" one
// of Architectures() (INVALID_MODEL naming the known ones otherwise).
Status FindArchitecture(const SafetensorsFile& file, const Architecture** out);

// The trainable network of a model file (FindArchitecture, then its load_trainable).
Status TrainableFromSafetensors(const SafetensorsFile& file,
                                std::unique_ptr<TrainableNetwork>* out);

// Trainable networks from weights: Parameters() are every trainable tensor of the architecture's
// tensor table, in table order, named as in the model file (the fixed σ-embedding frequencies are
// not among them). INVALID_ARGUMENT when the weights are not valid. *out unchanged on error.
Status MakeTrainableNcsnMlp(NcsnMlpWeights weights, std::unique_ptr<TrainableNetwork>* out);
Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out);

}  // namespace sw
