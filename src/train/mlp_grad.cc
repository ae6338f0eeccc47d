// Forward with kept activations and the backward pass, both the dense stack (layers/dense_stack.h)
// behind the σ embedding; the TrainableNetwork and TrainTape that wrap them.
#include "train/mlp_grad.h"

#include <cassert>
#include <cstring>
#include <string>
#include <utility>

#include "kernels/elementwise.h"
#include "layers/sigma_embedding.h"

namespace sw {

void NcsnMlpForwardTrain(const NcsnMlpWeights& weights, const float* x, const float* sigma,
                         size_t rows, NcsnMlpActivations* act, float* score) {
  const NcsnMlpConfig& config = weights.config;
  const size_t dim = config.dim;
  const size_t in0 = dim + 2 * config.sigma_embedding_freqs;
  act->rows = rows;
  act->sigma.assign(sigma, sigma + rows);
  act->input.resize(rows * in0);
  for (size_t r = 0; r < rows; ++r) {
    float* h = act->input.data() + r * in0;
    std::memcpy(h, x + r * dim, dim * sizeof(float));
    SigmaEmbedding(weights.freqs.data(), weights.freqs.size(), sigma[r], h + dim);
  }
  DenseStackForward(NcsnMlpLayers(weights), act->input.data(), rows, &act->stack, score);
  for (size_t r = 0; r < rows; ++r)
    f32_scale(score + r * dim, 1.0f / sigma[r], score + r * dim, dim);
}

void NcsnMlpBackward(const NcsnMlpWeights& weights, const float* dscore, NcsnMlpActivations* act,
                     const TensorList& grads) {
  const size_t rows = act->rows;
  const size_t dim = weights.config.dim;
  const size_t layers = weights.weights.size();
  assert(grads.size() == 2 * layers);
  if (rows == 0) return;
  // s = y / σ, so d loss / d y = dscore / σ.
  act->dy.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    f32_scale(dscore + r * dim, 1.0f / act->sigma[r], act->dy.data() + r * dim, dim);
  }
  std::vector<DenseGrad> dense_grads(layers);
  for (size_t i = 0; i < layers; ++i) {
    dense_grads[i] = {grads[2 * i]->data(), grads[2 * i + 1]->data()};
  }
  // No gradient for the input (x and the fixed embedding).
  DenseStackBackward(NcsnMlpLayers(weights), act->dy.data(), &act->stack, dense_grads, nullptr);
}

namespace {

// The rows of a batch per chunk; the trainer's gradient sums depend on it, so changing it changes
// the trained bits.
constexpr size_t kTrainChunkRows = 32;

// Reads the weights of the network that made it, so it follows the trainer's updates.
class NcsnMlpTape final : public TrainTape {
 public:
  explicit NcsnMlpTape(const NcsnMlpWeights* weights) : weights_(weights) {}

  void Forward(const float* x, const float* sigma, size_t rows, float* score) override {
    NcsnMlpForwardTrain(*weights_, x, sigma, rows, &act_, score);
  }
  void Backward(const float* dscore, const TensorList& grads) override {
    NcsnMlpBackward(*weights_, dscore, &act_, grads);
  }

 private:
  const NcsnMlpWeights* weights_;
  NcsnMlpActivations act_;
};

class TrainableNcsnMlp final : public TrainableNetwork {
 public:
  explicit TrainableNcsnMlp(NcsnMlpWeights weights) : weights_(std::move(weights)) {}

  size_t dim() const override { return weights_.config.dim; }
  const std::vector<float>& sigmas() const override { return weights_.config.sigmas; }
  TensorList Parameters() override {
    TensorList list;
    for (size_t i = 0; i < weights_.weights.size(); ++i) {
      list.push_back(&weights_.weights[i]);
      list.push_back(&weights_.biases[i]);
    }
    return list;
  }
  // The names NcsnMlpWeightsToSafetensors gives these tensors.
  std::vector<std::string> ParameterNames() const override {
    std::vector<std::string> names;
    for (size_t i = 0; i < weights_.weights.size(); ++i) {
      names.push_back("layers." + std::to_string(i) + ".weight");
      names.push_back("layers." + std::to_string(i) + ".bias");
    }
    return names;
  }
  size_t TrainChunkRows() const override { return kTrainChunkRows; }

  std::unique_ptr<TrainableNetwork> Clone() const override {
    return std::make_unique<TrainableNcsnMlp>(weights_);
  }
  std::unique_ptr<TrainTape> NewTape() const override {
    return std::make_unique<NcsnMlpTape>(&weights_);
  }
  Status ToSafetensors(SafetensorsFile* out) const override {
    return NcsnMlpWeightsToSafetensors(weights_, out);
  }

 private:
  NcsnMlpWeights weights_;
};

}  // namespace

Status MakeTrainableNcsnMlp(NcsnMlpWeights weights, std::unique_ptr<TrainableNetwork>* out) {
  const Status valid = ValidateNcsnMlpWeights(weights);
  if (!valid.ok()) return InvalidArgument(valid.message());
  *out = std::make_unique<TrainableNcsnMlp>(std::move(weights));
  return Status::Ok();
}

}  // namespace sw
