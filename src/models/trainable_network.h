// What the trainer needs of a score network, whatever its architecture (the NCSN MLP, the U-Net):
// its trainable tensors in a fixed order, a differentiable forward pass with one σ per row, and
// its model file. The trainer, the objectives and the checkpoints see only this; each architecture
// provides it through the registry (models/architectures.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"
#include "models/tensor_table.h"

namespace sw {

// The activations of one forward pass, kept for the backward pass; one per thread (or chunk). A
// tape reads its network's current weights, so it stays valid while the trainer updates them.
class TrainTape {
 public:
  virtual ~TrainTape() = default;

  // score[rows × dim] = s_θ(x_r, σ_r) for x[rows × dim], each row with its own σ_r > 0. The same
  // mathematics as the model's ScoreRows; a row's result depends on that row alone.
  virtual void Forward(const float* x, const float* sigma, size_t rows, float* score) = 0;

  // Adds d loss / d θ to grads (one vector per TrainableNetwork::Parameters() entry, same sizes),
  // given dscore = d loss / d score (rows × dim) for the last Forward. Sums over rows run in a
  // fixed order, so the result is a function of the rows alone.
  virtual void Backward(const float* dscore, const TensorList& grads) = 0;
};

class TrainableNetwork {
 public:
  virtual ~TrainableNetwork() = default;

  virtual size_t dim() const = 0;
  // The trained noise levels (the model file's "sigmas"), strictly decreasing.
  virtual const std::vector<float>& sigmas() const = 0;
  // The trainable tensors, in a fixed order (Adam, the EMA, gradient sums and checkpoints follow
  // it), and their names in the model file. Fixed tensors (e.g. Fourier frequencies) are not here.
  virtual TensorList Parameters() = 0;
  virtual std::vector<std::string> ParameterNames() const = 0;
  // Rows of a batch per chunk (>= 1): the trainer's unit of work per thread and of its
  // gradient-sum order. A tape's Forward gets at most twice this many rows (FD-SSM stacks x̃ ± εv).
  virtual size_t TrainChunkRows() const = 0;

  virtual std::unique_ptr<TrainableNetwork> Clone() const = 0;
  virtual std::unique_ptr<TrainTape> NewTape() const = 0;
  // The model file: metadata (format, architecture, config) and every tensor.
  virtual Status ToSafetensors(SafetensorsFile* out) const = 0;
};

}  // namespace sw
