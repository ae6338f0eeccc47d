// The NCSN MLP: config (de)serialisation, its tensor table, and the forward (inference over tiles
// of rows, and training with one σ per row) and backward passes over the dense stack.
#include "models/ncsn_mlp.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/memory_budget.h"
#include "io/json_text.h"
#include "kernels/dense.h"
#include "kernels/elementwise.h"
#include "layers/dense_stack.h"
#include "layers/sigma_embedding.h"
#include "models/model_file_keys.h"
#include "models/tensor_table.h"

namespace sw {
namespace {

using Json = nlohmann::json;
constexpr char kArch[] = "ncsn-mlp";

// Bounds on config integers: far above any network meant for a browser, far below where
// in_0 = dim + 2F or a layer's in × out element count could overflow 64-bit arithmetic.
constexpr uint64_t kMaxWidth = uint64_t{1} << 24;
constexpr uint64_t kMaxFreqs = uint64_t{1} << 20;
constexpr uint64_t kMaxLayers = 1024;
// InitNcsnMlpWeights refuses layers above this many weights (it allocates them).
constexpr uint64_t kMaxInitLayerElements = uint64_t{1} << 28;

Status BadConfig(const std::string& message) { return config_json::Bad(kArch, message); }

// in_0, out_0 = in_1, ..., out_H = dim for a valid config.
std::vector<size_t> LayerWidths(const NcsnMlpConfig& config) {
  std::vector<size_t> widths = {config.dim + 2 * config.sigma_embedding_freqs};
  widths.insert(widths.end(), config.hidden.begin(), config.hidden.end());
  widths.push_back(config.dim);
  return widths;
}

Status ReadInteger(const Json& value, const std::string& what, uint64_t lo, uint64_t hi,
                   uint64_t* out) {
  return config_json::ReadInteger(kArch, value, what, lo, hi, out);
}

Status ParseConfigImpl(const std::string& text, NcsnMlpConfig* out) {
  Json root;
  SW_RETURN_IF_ERROR(config_json::ParseObject(
      kArch, text, {"dim", "hidden", "sigma_embedding_freqs", "sigmas", "data_shape", "sampling"},
      {"dim", "hidden", "sigma_embedding_freqs", "sigmas"}, &root));

  // Present (checked above); find() rather than operator[], which asserts on a const object.
  const auto field = [&](const char* key) -> const Json& { return *root.find(key); };
  NcsnMlpConfig config;
  uint64_t v;
  SW_RETURN_IF_ERROR(ReadInteger(field("dim"), "dim", 1, kMaxWidth, &v));
  config.dim = static_cast<size_t>(v);
  SW_RETURN_IF_ERROR(
      ReadInteger(field("sigma_embedding_freqs"), "sigma_embedding_freqs", 0, kMaxFreqs, &v));
  config.sigma_embedding_freqs = static_cast<size_t>(v);

  const Json& hidden = field("hidden");
  if (!hidden.is_array() || hidden.size() > kMaxLayers) {
    return BadConfig("hidden = " + JsonExcerpt(hidden) + "; expected an array of at most " +
                     std::to_string(kMaxLayers) + " layer widths");
  }
  for (size_t i = 0; i < hidden.size(); ++i) {
    SW_RETURN_IF_ERROR(
        ReadInteger(hidden[i], "hidden[" + std::to_string(i) + "]", 1, kMaxWidth, &v));
    config.hidden.push_back(static_cast<size_t>(v));
  }

  SW_RETURN_IF_ERROR(config_json::ReadSigmas(kArch, field("sigmas"), &config.sigmas));

  if (auto it = root.find("data_shape"); it != root.end()) {
    if (!it->is_array() || it->empty() || it->size() > 8) {
      return BadConfig("data_shape = " + JsonExcerpt(*it) +
                       "; expected an array of 1 to 8 integers");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      SW_RETURN_IF_ERROR(
          ReadInteger((*it)[i], "data_shape[" + std::to_string(i) + "]", 1, kMaxWidth, &v));
      config.data_shape.push_back(static_cast<int64_t>(v));
    }
  }
  if (auto it = root.find("sampling"); it != root.end()) {
    SW_RETURN_IF_ERROR(config_json::ReadSampling(kArch, *it, &config.sampling));
    config.has_sampling = true;
  }
  SW_RETURN_IF_ERROR(ValidateNcsnMlpConfig(config));
  *out = std::move(config);
  return Status::Ok();
}

// The weights' tensors in NcsnMlpTensorTable order (weights and biases resized to the config's
// layer count first).
TensorList Slots(NcsnMlpWeights* w) {
  const size_t layers = w->config.hidden.size() + 1;
  w->weights.resize(layers);
  w->biases.resize(layers);
  TensorList slots = {&w->freqs};
  for (size_t i = 0; i < layers; ++i) {
    slots.push_back(&w->weights[i]);
    slots.push_back(&w->biases[i]);
  }
  return slots;
}
// The same for weights whose layer count is the config's.
ConstTensorList Slots(const NcsnMlpWeights& w) {
  ConstTensorList slots = {&w.freqs};
  for (size_t i = 0; i < w.weights.size(); ++i) {
    slots.push_back(&w.weights[i]);
    slots.push_back(&w.biases[i]);
  }
  return slots;
}

Status AsInvalidArgument(const Status& status) {
  return status.ok() ? status : InvalidArgument(status.message());
}

}  // namespace

Status ValidateNcsnMlpConfig(const NcsnMlpConfig& config) {
  if (config.dim < 1 || config.dim > kMaxWidth) {
    return BadConfig("dim = " + std::to_string(config.dim) + "; expected 1 to " +
                     std::to_string(kMaxWidth));
  }
  if (config.sigma_embedding_freqs > kMaxFreqs) {
    return BadConfig("sigma_embedding_freqs = " + std::to_string(config.sigma_embedding_freqs) +
                     "; expected at most " + std::to_string(kMaxFreqs));
  }
  if (config.hidden.size() > kMaxLayers) {
    return BadConfig("hidden has " + std::to_string(config.hidden.size()) +
                     " layers; expected at most " + std::to_string(kMaxLayers));
  }
  for (size_t i = 0; i < config.hidden.size(); ++i) {
    if (config.hidden[i] < 1 || config.hidden[i] > kMaxWidth) {
      return BadConfig("hidden[" + std::to_string(i) + "] = " + std::to_string(config.hidden[i]) +
                       "; expected 1 to " + std::to_string(kMaxWidth));
    }
  }
  SW_RETURN_IF_ERROR(config_json::ValidateSigmas(kArch, config.sigmas));
  if (!config.data_shape.empty()) {
    uint64_t product = 1;
    for (int64_t d : config.data_shape) {
      if (d < 1 || static_cast<uint64_t>(d) > kMaxWidth) {
        return BadConfig("data_shape has the dimension " + std::to_string(d) + "; expected 1 to " +
                         std::to_string(kMaxWidth));
      }
      product *= static_cast<uint64_t>(d);  // both factors <= 2^24 and product stays <= 2^24
      if (product > config.dim) break;
    }
    if (product != config.dim) {
      return BadConfig("the product of data_shape does not equal dim = " +
                       std::to_string(config.dim));
    }
  }
  if (config.has_sampling)
    SW_RETURN_IF_ERROR(config_json::ValidateSampling(kArch, config.sampling));
  return Status::Ok();
}

TensorTable NcsnMlpTensorTable(const NcsnMlpConfig& config) {
  const std::vector<size_t> widths = LayerWidths(config);
  const auto dim64 = [](size_t v) { return static_cast<int64_t>(v); };
  TensorTable table = {{kSigmaEmbeddingFreqsName,
                        {dim64(config.sigma_embedding_freqs)},
                        TensorInit::kStandardNormal,
                        0,
                        /*trainable=*/false}};
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const std::string layer = "layers." + std::to_string(i);
    table.push_back({layer + ".weight",
                     {dim64(widths[i]), dim64(widths[i + 1])},
                     TensorInit::kNormalFanIn,
                     1 + i});
    table.push_back({layer + ".bias", {dim64(widths[i + 1])}, TensorInit::kZeros});
  }
  return table;
}

Status ValidateNcsnMlpWeights(const NcsnMlpWeights& weights) {
  SW_RETURN_IF_ERROR(ValidateNcsnMlpConfig(weights.config));
  const size_t layers = weights.config.hidden.size() + 1;
  if (weights.weights.size() != layers || weights.biases.size() != layers) {
    return InvalidModel("ncsn-mlp: " + std::to_string(weights.weights.size()) + " weight and " +
                        std::to_string(weights.biases.size()) +
                        " bias tensors, but config.hidden has " +
                        std::to_string(weights.config.hidden.size()) + " layers, so " +
                        std::to_string(layers) + " of each are expected");
  }
  return CheckTableTensors(kArch, NcsnMlpTensorTable(weights.config), Slots(weights));
}

Status ParseNcsnMlpConfig(const std::string& json, NcsnMlpConfig* out) {
  // The parse does not throw; the catch only guards native builds against a surprise.
  try {
    return ParseConfigImpl(json, out);
  } catch (const std::exception& e) {
    return BadConfig(std::string("unexpected error: ") + e.what());
  }
}

std::string NcsnMlpConfigToJson(const NcsnMlpConfig& config) {
  nlohmann::ordered_json j;
  j["dim"] = config.dim;
  j["hidden"] = config.hidden;
  j["sigma_embedding_freqs"] = config.sigma_embedding_freqs;
  // As doubles: the shortest text that reads back as the same double, hence the same float.
  std::vector<double> sigmas(config.sigmas.begin(), config.sigmas.end());
  j["sigmas"] = sigmas;
  if (!config.data_shape.empty()) j["data_shape"] = config.data_shape;
  if (config.has_sampling) {
    j["sampling"] = config_json::SamplingToJson(config.sampling);
  }
  // `replace` never throws (a sampler name that is not UTF-8 is the only way to need it).
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status NcsnMlpWeightsFromSafetensors(const SafetensorsFile& file, NcsnMlpWeights* out) {
  std::string config_json;
  SW_RETURN_IF_ERROR(ModelFileConfig(kArch, file, &config_json));
  NcsnMlpWeights weights;
  SW_RETURN_IF_ERROR(ParseNcsnMlpConfig(config_json, &weights.config));
  SW_RETURN_IF_ERROR(
      ReadTableTensors(kArch, NcsnMlpTensorTable(weights.config), file, Slots(&weights)));
  *out = std::move(weights);
  return Status::Ok();
}

Status NcsnMlpWeightsToSafetensors(const NcsnMlpWeights& weights, SafetensorsFile* out) {
  SW_RETURN_IF_ERROR(AsInvalidArgument(ValidateNcsnMlpWeights(weights)));
  *out = TableToSafetensors(kArch, NcsnMlpConfigToJson(weights.config),
                            NcsnMlpTensorTable(weights.config), Slots(weights));
  return Status::Ok();
}

Status InitNcsnMlpWeights(const NcsnMlpConfig& config, uint64_t seed, NcsnMlpWeights* out) {
  SW_RETURN_IF_ERROR(AsInvalidArgument(ValidateNcsnMlpConfig(config)));
  const TensorTable table = NcsnMlpTensorTable(config);
  for (const TensorSpec& spec : table) {
    if (spec.elements() > kMaxInitLayerElements) {
      return InvalidArgument("ncsn-mlp: " + spec.name + " would have " +
                             std::to_string(spec.elements()) + " weights; at most " +
                             std::to_string(kMaxInitLayerElements));
    }
  }
  NcsnMlpWeights w;
  w.config = config;
  InitTableTensors(table, seed, Slots(&w));
  *out = std::move(w);
  return Status::Ok();
}

std::vector<DenseView> NcsnMlpLayers(const NcsnMlpWeights& weights) {
  const std::vector<size_t> widths = LayerWidths(weights.config);
  std::vector<DenseView> layers;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    layers.push_back(
        {weights.weights[i].data(), weights.biases[i].data(), widths[i], widths[i + 1]});
  }
  return layers;
}

TensorList NcsnMlpTensors(NcsnMlpWeights* weights) { return Slots(weights); }

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

NcsnMlp::NcsnMlp(NcsnMlpWeights weights)
    : weights_(std::move(weights)), layers_(NcsnMlpLayers(weights_)) {
  const std::vector<size_t> widths = LayerWidths(weights_.config);
  max_width_ = *std::max_element(widths.begin(), widths.end());
}

Status NcsnMlp::Create(NcsnMlpWeights weights, std::unique_ptr<NcsnMlp>* out) {
  SW_RETURN_IF_ERROR(ValidateNcsnMlpWeights(weights));
  return FromValidWeights(std::move(weights), out);
}

Status NcsnMlp::FromValidWeights(NcsnMlpWeights weights, std::unique_ptr<NcsnMlp>* out) {
  std::unique_ptr<NcsnMlp> model(new NcsnMlp(std::move(weights)));
  SW_RETURN_IF_ERROR(CheckWorkingMemory(
      model->scratch_bytes_per_thread(),
      "this ncsn-mlp, evaluating " + std::to_string(kTileRows) + " points at a time,"));
  *out = std::move(model);
  return Status::Ok();
}

uint64_t NcsnMlp::scratch_bytes_per_thread() const {
  // ScoreRows' two activation buffers, the dense kernel's packed copy of its input (each at most a
  // tile of the widest layer), the σ embedding and the first layer's bias for it.
  const uint64_t tile = SaturatingMul(kTileRows, max_width_);
  return sizeof(float) *
         SaturatingAdd(SaturatingMul(3, tile), 2 * weights_.freqs.size() + max_width_);
}

Status NcsnMlp::FromSafetensors(const SafetensorsFile& file, std::unique_ptr<NcsnMlp>* out) {
  NcsnMlpWeights weights;
  SW_RETURN_IF_ERROR(NcsnMlpWeightsFromSafetensors(file, &weights));  // validates them
  return FromValidWeights(std::move(weights), out);
}

void NcsnMlp::ScoreRows(const float* x, size_t n, const float* sigma, float* out) const {
  const size_t dim = weights_.config.dim;
  const size_t freqs = weights_.config.sigma_embedding_freqs;
  const DenseView& first = layers_[0];
  // Per-call scratch: bounded memory (a tile of rows), nothing shared between concurrent calls.
  std::vector<float> embedding(2 * freqs), first_bias(first.out), buffer_a, buffer_b;
  std::vector<DenseView> layers = layers_;
  // The first layer's input is [x, e(σ)], so its output is b + e(σ) · W[dim:] + x · W[:dim]. The
  // first two terms depend on σ alone: they are summed once per run of rows with the same σ (the
  // fixed-schedule samplers give every row one σ) into that run's bias, and the layer then
  // multiplies only x's dim columns. That skips 2F of the in_0 = dim + 2F multiply-adds per row
  // and the copy of x into a wider input (for the 2-D models, F = 16: 94 % of the first layer).
  // A row's result depends only on its x and σ, never on the run it was in.
  layers[0] = {first.w, first_bias.data(), dim, first.out};
  for (size_t start = 0; start < n;) {
    const float s = sigma[start];
    size_t end = start + 1;
    while (end < n && end - start < kTileRows && sigma[end] == s) ++end;
    SigmaEmbedding(weights_.freqs.data(), freqs, s, embedding.data());
    f32_dense(embedding.data(), first.w + dim * first.out, first.b, first_bias.data(), 1, 2 * freqs,
              first.out, Activation::kNone);
    float* y = out + start * dim;
    DenseStackInfer(layers, x + start * dim, end - start, y, &buffer_a, &buffer_b);
    f32_scale(y, 1.0f / s, y, (end - start) * dim);
    start = end;
  }
}

void NcsnMlp::ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                           float* out) const {
  const size_t dim = weights_.config.dim, in0 = layers_[0].in;
  thread_local NcsnMlpActivations act;
  thread_local std::vector<float> score, dinput;
  const std::vector<DenseGrad> no_grads(layers_.size());  // only the input's gradient
  for (size_t start = 0; start < n; start += kTileRows) {
    const size_t rows = std::min(kTileRows, n - start);
    score.resize(rows * dim);
    NcsnMlpForwardTrain(weights_, x + start * dim, sigma + start, rows, &act, score.data());
    // s = y / σ: d(vᵀ s)/dy = v / σ, then back through the stack to its input [x, embedding].
    act.dy.resize(rows * dim);
    for (size_t r = 0; r < rows; ++r) {
      f32_scale(v + (start + r) * dim, 1.0f / sigma[start + r], &act.dy[r * dim], dim);
    }
    dinput.resize(rows * in0);
    DenseStackBackward(layers_, act.dy.data(), &act.stack, no_grads, dinput.data());
    for (size_t r = 0; r < rows; ++r) {
      std::copy(&dinput[r * in0], &dinput[r * in0] + dim, out + (start + r) * dim);
    }
  }
}

}  // namespace sw
