// Forward with kept activations (the dense kernel without activation, then SiLU, so that the
// pre-activations are there for SiLU') and the backward pass as Eigen products on row-major maps;
// the TrainableNetwork and TrainTape that wrap them.
#include "train/mlp_grad.h"

#include <Eigen/Dense>
#include <cassert>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "kernels/dense.h"
#include "kernels/elementwise.h"
#include "layers/sigma_embedding.h"
#include "train/image_ops_grad.h"

namespace sw {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

}  // namespace

void NcsnMlpForwardTrain(const NcsnMlpWeights& weights, const float* x, const float* sigma,
                         size_t rows, NcsnMlpActivations* act, float* score) {
  const NcsnMlpConfig& config = weights.config;
  const size_t dim = config.dim;
  const size_t freqs = config.sigma_embedding_freqs;
  const size_t in0 = dim + 2 * freqs;
  const size_t layers = weights.weights.size();
  act->rows = rows;
  act->sigma.assign(sigma, sigma + rows);
  act->inputs.resize(layers);
  act->pre.resize(layers - 1);

  std::vector<float>& h0 = act->inputs[0];
  h0.resize(rows * in0);
  for (size_t r = 0; r < rows; ++r) {
    float* h = h0.data() + r * in0;
    std::memcpy(h, x + r * dim, dim * sizeof(float));
    SigmaEmbedding(weights.freqs, sigma[r], h + dim);
  }
  size_t in = in0;
  for (size_t i = 0; i + 1 < layers; ++i) {
    const size_t out = weights.biases[i].size();
    act->pre[i].resize(rows * out);
    act->inputs[i + 1].resize(rows * out);
    f32_dense(act->inputs[i].data(), weights.weights[i].data(), weights.biases[i].data(),
              act->pre[i].data(), rows, in, out, Activation::kNone);
    f32_silu(act->pre[i].data(), act->inputs[i + 1].data(), rows * out);
    in = out;
  }
  f32_dense(act->inputs[layers - 1].data(), weights.weights[layers - 1].data(),
            weights.biases[layers - 1].data(), score, rows, in, dim, Activation::kNone);
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
  act->delta.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    f32_scale(dscore + r * dim, 1.0f / act->sigma[r], act->delta.data() + r * dim, dim);
  }
  for (size_t i = layers; i-- > 0;) {
    const size_t out = weights.biases[i].size();
    const size_t in = weights.weights[i].size() / out;
    assert(act->delta.size() == rows * out);
    assert(grads[2 * i]->size() == in * out && grads[2 * i + 1]->size() == out);
    ConstMatrixMap delta(act->delta.data(), rows, out);
    ConstMatrixMap input(act->inputs[i].data(), rows, in);
    MatrixMap dw(grads[2 * i]->data(), in, out);
    dw.noalias() += input.transpose() * delta;
    float* db = grads[2 * i + 1]->data();
    for (size_t r = 0; r < rows; ++r) {
      const float* d = act->delta.data() + r * out;
      for (size_t o = 0; o < out; ++o) db[o] += d[o];
    }
    if (i == 0) break;  // no gradient for the input (x and the fixed embedding)
    // d loss / d input of layer i, then through the SiLU of hidden layer i - 1.
    act->delta_next.resize(rows * in);
    MatrixMap dinput(act->delta_next.data(), rows, in);
    ConstMatrixMap w(weights.weights[i].data(), in, out);
    dinput.noalias() = delta * w.transpose();
    const float* pre = act->pre[i - 1].data();
    float* dn = act->delta_next.data();
    SiluBackward(pre, dn, dn, rows * in);
    std::swap(act->delta, act->delta_next);
  }
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
