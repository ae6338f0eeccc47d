// Backpropagation through the noise-conditional U-Net (models/ncsn_unet.h), and the U-Net as a
// TrainableNetwork. The Fourier frequencies of the σ embedding are fixed, so they get no gradient.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "layers/dense.h"
#include "models/ncsn_unet.h"
#include "train/trainable.h"

namespace sw {

// Backward scratch, reused between calls.
struct NcsnUnetGradScratch {
  GradScratch ops;
  std::vector<float> dy, dh, dnext, dskip_in, dact, dnorm, dpre, dbias, dembed, dembed_tmp;
  std::vector<std::vector<float>> dskip;  // by level l < L-1: d loss / d down[l].out via the skip
};

// Adds d loss / d θ to grads (one vector per weights.tensors entry, same sizes), given dscore =
// d loss / d score (rows × dim) for the activations of the last NcsnUnetForward on *act.
void NcsnUnetBackward(const NcsnUnetWeights& weights, const NcsnUnetLayout& layout,
                      const float* dscore, const NcsnUnetActivations& act, const TensorList& grads,
                      NcsnUnetGradScratch* scratch);

// The U-Net for the trainer: Parameters() are weights.tensors in NcsnUnetTensorSpecs order.
// INVALID_ARGUMENT when the weights are invalid.
Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out);

}  // namespace sw
