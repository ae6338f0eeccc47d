// Backpropagation through the noise-conditional U-Net (models/ncsn_unet.h), and the U-Net as a
// TrainableNetwork. The Fourier frequencies of the σ embedding are fixed, so they get no gradient.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "models/ncsn_unet.h"
#include "train/trainable.h"

namespace sw {

// The U-Net for the trainer: Parameters() are weights.tensors in NcsnUnetTensorTable order.
// INVALID_ARGUMENT when the weights are invalid.
Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out);

}  // namespace sw
