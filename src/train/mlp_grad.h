// Backpropagation through the NCSN MLP (models/ncsn_mlp.h) for training: a forward pass over a
// batch with one σ per row that keeps the activations, the backward pass that turns
// d loss / d score into d loss / d (every weight and bias), and the MLP as a TrainableNetwork.
// The σ-embedding frequencies are fixed (not trained), so they get no gradient.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/status.h"
#include "layers/dense_stack.h"
#include "models/ncsn_mlp.h"
#include "train/adam.h"
#include "train/trainable.h"

namespace sw {

// What the forward pass keeps for the backward pass (reused between calls to avoid allocation).
struct NcsnMlpActivations {
  size_t rows = 0;
  std::vector<float> sigma;  // rows
  std::vector<float> input;  // rows × (dim + 2F): x and the σ embedding, the stack's input
  DenseStackTape stack;
  std::vector<float> dy;  // backward scratch: d loss / d (the stack's output)
};

// s_θ(x_r, σ_r) for rows r < rows into score (rows × dim), keeping the activations in *act.
// Same mathematics as NcsnMlp::ScoreRows (the embedding computed in double), but each row has its
// own σ_r > 0. `weights` must be valid (ValidateNcsnMlpWeights). Rows are independent: a row's
// result does not depend on the other rows.
void NcsnMlpForwardTrain(const NcsnMlpWeights& weights, const float* x, const float* sigma,
                         size_t rows, NcsnMlpActivations* act, float* score);

// Adds d loss / d θ to grads, given dscore = d loss / d score (rows × dim) for the activations of
// the last NcsnMlpForwardTrain on `act`. grads holds layer 0's weight gradient, its bias gradient,
// then layer 1's, ..., with the shapes of NcsnMlpWeights::weights / ::biases (the order of the
// trainable network's Parameters()). Sums over rows are taken in a fixed order, so the result is
// a function of the rows alone.
void NcsnMlpBackward(const NcsnMlpWeights& weights, const float* dscore, NcsnMlpActivations* act,
                     const TensorList& grads);

// The MLP for the trainer: Parameters() are "layers.{i}.weight", "layers.{i}.bias" for
// i = 0..H (the model file's names); "sigma_embed.freqs" stays fixed. INVALID_ARGUMENT when
// `weights` are not valid (ValidateNcsnMlpWeights). *out unchanged on error.
Status MakeTrainableNcsnMlp(NcsnMlpWeights weights, std::unique_ptr<TrainableNetwork>* out);

}  // namespace sw
