// The registry of architectures, and the one adapter that turns an architecture's definition (its
// tensor table, forward and backward passes) into the trainer's TrainableNetwork.
#include "models/architectures.h"

#include <utility>

#include "models/model_file_keys.h"

namespace sw {
namespace {

// What the adapter needs of an architecture, in one place per architecture. View is what the
// forward and backward passes read the weights through; it stays valid while the trainer updates
// the tensors in place.
struct NcsnMlpTraits {
  using Weights = NcsnMlpWeights;
  using Activations = NcsnMlpActivations;
  using View = const NcsnMlpWeights*;
  // Rows per chunk of a training batch; the trainer's gradient sums depend on it, so changing it
  // changes the trained bits.
  static constexpr size_t kChunkRows = 32;
  static size_t Dim(const Weights& w) { return w.config.dim; }
  static TensorTable Table(const Weights& w) { return NcsnMlpTensorTable(w.config); }
  static TensorList Tensors(Weights* w) { return NcsnMlpTensors(w); }
  static View MakeView(const Weights& w) { return &w; }
  static Status Validate(const Weights& w) { return ValidateNcsnMlpWeights(w); }
  static void Forward(const View& v, const float* x, const float* sigma, size_t rows,
                      Activations* act, float* score) {
    NcsnMlpForwardTrain(*v, x, sigma, rows, act, score);
  }
  static void Backward(const View& v, const float* dscore, Activations* act,
                       const TensorList& grads) {
    NcsnMlpBackward(*v, dscore, act, grads);
  }
  static Status ToSafetensors(const Weights& w, SafetensorsFile* out) {
    return NcsnMlpWeightsToSafetensors(w, out);
  }
};

struct NcsnUnetTraits {
  using Weights = NcsnUnetWeights;
  struct Activations {
    NcsnUnetActivations forward;
    NcsnUnetGradScratch backward;
  };
  struct View {
    const NcsnUnetConfig* config;
    NcsnUnetView net;
  };
  // Images are heavy: 8 per chunk keeps the activations of a chunk within a few MB per image and
  // gives a batch of 64 eight chunks to share between threads.
  static constexpr size_t kChunkRows = 8;
  static size_t Dim(const Weights& w) { return w.config.dim(); }
  static TensorTable Table(const Weights& w) { return NcsnUnetTensorTable(w.config); }
  static TensorList Tensors(Weights* w) { return NcsnUnetTensors(w); }
  static View MakeView(const Weights& w) { return {&w.config, ViewNcsnUnet(w)}; }
  static Status Validate(const Weights& w) { return ValidateNcsnUnetWeights(w); }
  static void Forward(const View& v, const float* x, const float* sigma, size_t rows,
                      Activations* act, float* score) {
    NcsnUnetForward(*v.config, v.net, x, sigma, rows, &act->forward, score);
  }
  static void Backward(const View& v, const float* dscore, Activations* act,
                       const TensorList& grads) {
    NcsnUnetBackward(*v.config, v.net, dscore, act->forward, ViewNcsnUnetGrads(*v.config, grads),
                     &act->backward);
  }
  static Status ToSafetensors(const Weights& w, SafetensorsFile* out) {
    return NcsnUnetWeightsToSafetensors(w, out);
  }
};

template <class Traits>
class Network;

// Reads the weights of the network that made it, so it follows the trainer's updates.
template <class Traits>
class NetworkTape final : public TrainTape {
 public:
  explicit NetworkTape(const Network<Traits>* net) : net_(net) {}
  void Forward(const float* x, const float* sigma, size_t rows, float* score) override {
    Traits::Forward(net_->view(), x, sigma, rows, &act_, score);
  }
  void Backward(const float* dscore, const TensorList& grads) override {
    Traits::Backward(net_->view(), dscore, &act_, grads);
  }

 private:
  const Network<Traits>* net_;
  typename Traits::Activations act_;
};

template <class Traits>
class Network final : public TrainableNetwork {
 public:
  using Weights = typename Traits::Weights;
  explicit Network(Weights weights)
      : weights_(std::move(weights)),
        table_(Traits::Table(weights_)),
        view_(Traits::MakeView(weights_)) {
    const TensorList all = Traits::Tensors(&weights_);
    for (size_t i = 0; i < table_.size(); ++i) {
      if (!table_[i].trainable) continue;
      parameters_.push_back(all[i]);
      names_.push_back(table_[i].name);
    }
  }
  Network(const Network&) = delete;  // view_ and parameters_ point into weights_
  Network& operator=(const Network&) = delete;

  size_t dim() const override { return Traits::Dim(weights_); }
  const std::vector<float>& sigmas() const override { return weights_.config.sigmas; }
  TensorList Parameters() override { return parameters_; }
  std::vector<std::string> ParameterNames() const override { return names_; }
  size_t TrainChunkRows() const override { return Traits::kChunkRows; }
  std::unique_ptr<TrainableNetwork> Clone() const override {
    return std::make_unique<Network>(weights_);
  }
  std::unique_ptr<TrainTape> NewTape() const override {
    return std::make_unique<NetworkTape<Traits>>(this);
  }
  Status ToSafetensors(SafetensorsFile* out) const override {
    return Traits::ToSafetensors(weights_, out);
  }

  const typename Traits::View& view() const { return view_; }

 private:
  Weights weights_;
  TensorTable table_;
  typename Traits::View view_;
  TensorList parameters_;
  std::vector<std::string> names_;
};

template <class Traits>
Status MakeTrainable(typename Traits::Weights weights, std::unique_ptr<TrainableNetwork>* out) {
  const Status valid = Traits::Validate(weights);
  if (!valid.ok()) return InvalidArgument(valid.message());
  *out = std::make_unique<Network<Traits>>(std::move(weights));
  return Status::Ok();
}

// An entry's loaders: the architecture's weights from the file, then its model or network.
template <class Model>
Status LoadModel(const SafetensorsFile& file, std::unique_ptr<ScoreModel>* out) {
  std::unique_ptr<Model> model;
  SW_RETURN_IF_ERROR(Model::FromSafetensors(file, &model));
  *out = std::move(model);
  return Status::Ok();
}
template <class Traits, Status (*FromFile)(const SafetensorsFile&, typename Traits::Weights*)>
Status LoadTrainable(const SafetensorsFile& file, std::unique_ptr<TrainableNetwork>* out) {
  typename Traits::Weights weights;
  SW_RETURN_IF_ERROR(FromFile(file, &weights));  // validates them
  *out = std::make_unique<Network<Traits>>(std::move(weights));
  return Status::Ok();
}

std::string KnownNames() {
  std::string names;
  for (const Architecture& a : Architectures()) {
    names += std::string(names.empty() ? "" : ", ") + "\"" + a.name + "\"";
  }
  return names;
}

}  // namespace

const std::vector<Architecture>& Architectures() {
  static const std::vector<Architecture> kArchitectures = {
      {kNcsnMlpArchitecture, LoadModel<NcsnMlp>,
       LoadTrainable<NcsnMlpTraits, NcsnMlpWeightsFromSafetensors>},
      {kNcsnUnetArchitecture, LoadModel<NcsnUnet>,
       LoadTrainable<NcsnUnetTraits, NcsnUnetWeightsFromSafetensors>},
  };
  return kArchitectures;
}

Status FindArchitecture(const SafetensorsFile& file, const Architecture** out) {
  const auto format = file.metadata.find(kMetadataFormatKey);
  if (format == file.metadata.end()) {
    return InvalidModel(
        "not a score-wasm model: the safetensors metadata has no \"format\" (expected "
        "\"format\": \"score-wasm\")");
  }
  if (format->second != kModelFileFormat) {
    return InvalidModel("not a score-wasm model: metadata \"format\" is " +
                        QuoteForMessage(format->second) + "; expected \"score-wasm\"");
  }
  const auto name = file.metadata.find(kMetadataArchitectureKey);
  if (name == file.metadata.end()) {
    return InvalidModel("the model metadata has no \"architecture\" (supported: " + KnownNames() +
                        ")");
  }
  for (const Architecture& a : Architectures()) {
    if (name->second == a.name) {
      *out = &a;
      return Status::Ok();
    }
  }
  return InvalidModel("unknown model architecture " + QuoteForMessage(name->second) +
                      " (supported: " + KnownNames() + ")");
}

Status TrainableFromSafetensors(const SafetensorsFile& file,
                                std::unique_ptr<TrainableNetwork>* out) {
  const Architecture* architecture = nullptr;
  SW_RETURN_IF_ERROR(FindArchitecture(file, &architecture));
  return architecture->load_trainable(file, out);
}

Status MakeTrainableNcsnMlp(NcsnMlpWeights weights, std::unique_ptr<TrainableNetwork>* out) {
  return MakeTrainable<NcsnMlpTraits>(std::move(weights), out);
}

Status MakeTrainableNcsnUnet(NcsnUnetWeights weights, std::unique_ptr<TrainableNetwork>* out) {
  return MakeTrainable<NcsnUnetTraits>(std::move(weights), out);
}

}  // namespace sw
