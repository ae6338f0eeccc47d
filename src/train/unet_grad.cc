// The U-Net's backward pass: NcsnUnetForward's steps in reverse, layer by layer.
#include "train/unet_grad.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/elementwise.h"
#include "layers/conv3x3.h"
#include "layers/group_norm.h"
#include "layers/resample.h"

namespace sw {
namespace {

class TrainableUnet;

class UnetTape : public TrainTape {
 public:
  explicit UnetTape(const TrainableUnet* net) : net_(net) {}
  void Forward(const float* x, const float* sigma, size_t rows, float* score) override;
  void Backward(const float* dscore, const TensorList& grads) override;

 private:
  const TrainableUnet* net_;
  NcsnUnetActivations act_;
  NcsnUnetGradScratch scratch_;
};

class TrainableUnet : public TrainableNetwork {
 public:
  explicit TrainableUnet(NcsnUnetWeights weights)
      : weights_(std::move(weights)), view_(ViewNcsnUnet(weights_)) {
    for (const TensorSpec& spec : NcsnUnetTensorTable(weights_.config)) {
      if (spec.trainable) names_.push_back(spec.name);
    }
  }
  size_t dim() const override { return weights_.config.dim(); }
  const std::vector<float>& sigmas() const override { return weights_.config.sigmas; }
  TensorList Parameters() override {
    TensorList list;
    for (std::vector<float>& t : weights_.tensors) list.push_back(&t);
    return list;
  }
  std::vector<std::string> ParameterNames() const override { return names_; }
  // Images are heavy: 8 per chunk keeps the activations of a chunk within a few MB per image and
  // gives a batch of 64 eight chunks to share between threads.
  size_t TrainChunkRows() const override { return 8; }
  std::unique_ptr<TrainableNetwork> Clone() const override {
    return std::make_unique<TrainableUnet>(weights_);
  }
  std::unique_ptr<TrainTape> NewTape() const override { return std::make_unique<UnetTape>(this); }
  Status ToSafetensors(SafetensorsFile* out) const override {
    return NcsnUnetWeightsToSafetensors(weights_, out);
  }

  const NcsnUnetWeights& weights() const { return weights_; }
  const NcsnUnetView& view() const { return view_; }

 private:
  NcsnUnetWeights weights_;
  NcsnUnetView view_;  // of weights_, whose tensors the trainer updates in place
  std::vector<std::string> names_;
};

void UnetTape::Forward(const float* x, const float* sigma, size_t rows, float* score) {
  NcsnUnetForward(net_->weights().config, net_->view(), x, sigma, rows, &act_, score);
}

void UnetTape::Backward(const float* dscore, const TensorList& grads) {
  const NcsnUnetConfig& config = net_->weights().config;
  NcsnUnetBackward(config, net_->view(), dscore, act_, ViewNcsnUnetGrads(config, grads), &scratch_);
}

}  // namespace

Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out) {
  const Status valid = ValidateNcsnUnetWeights(weights);
  if (!valid.ok()) return InvalidArgument(valid.message());
  *out = std::make_unique<TrainableUnet>(std::move(weights));
  return Status::Ok();
}

}  // namespace sw
