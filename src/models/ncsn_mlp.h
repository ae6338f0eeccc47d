// The noise-conditional MLP score network, conditioned as in NCSNv2:
// s_θ(x, σ) = f_θ(x, emb(σ)) / σ, where
//   h_0     = [x (dim values), sin(2π f_j log σ) for j < F, cos(2π f_j log σ) for j < F]
//   h_{i+1} = SiLU(h_i · W_i + b_i)        i = 0..H-1 (hidden layers)
//   y       = h_H · W_H + b_H              (output layer, dim values)
//   s       = y / σ
// Tensors in the model file (all F32 or F16):
//   "sigma_embed.freqs"  [F]          the Fourier frequencies f_j of the log σ embedding
//   "layers.{i}.weight"  [in_i, out_i] for i = 0..H; in × out row-major, i.e. the TRANSPOSE of
//                                     PyTorch's nn.Linear.weight (which is out × in)
//   "layers.{i}.bias"    [out_i]
// with in_0 = dim + 2F, in_{i+1} = out_i = hidden[i], out_H = dim.
// Metadata: "format": "score-wasm", "architecture": "ncsn-mlp", "config": a JSON object string
//   {"dim": 2, "hidden": [128, 128], "sigma_embedding_freqs": 16,
//    "sigmas": [1.0, ..., 0.01],                 trained noise levels, strictly decreasing, >= 1e-6
//    "data_shape": [2],                          optional, product == dim (e.g. [1, 28, 28])
//    "sampling": {"sampler": "annealed-langevin", "steps_per_level": 100,
//                 "step_size": 2e-5, "denoise": true}}   optional sampler defaults
// Unknown config keys are rejected (they are most likely typos), inside "sampling" too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"
#include "layers/dense.h"
#include "layers/dense_stack.h"
#include "models/config_json.h"
#include "models/score_model.h"
#include "models/tensor_table.h"

namespace sw {

inline constexpr char kNcsnMlpArchitecture[] = "ncsn-mlp";

struct NcsnMlpConfig {
  size_t dim = 0;                    // values per sample, > 0
  std::vector<size_t> hidden;        // widths of the hidden layers, each > 0 (may be empty)
  size_t sigma_embedding_freqs = 0;  // F, the number of Fourier frequencies (0 = no embedding)
  std::vector<float> sigmas;         // trained σ: non-empty, strictly decreasing, >= 1e-6
  std::vector<int64_t> data_shape;   // empty, or the sample's shape (product == dim)
  bool has_sampling = false;         // whether the file carries "sampling"
  SamplingDefaults sampling;
};

// Everything that defines a network: the config and the tensors, in the file's layout.
struct NcsnMlpWeights {
  NcsnMlpConfig config;
  std::vector<float> freqs;                 // F values
  std::vector<std::vector<float>> weights;  // H + 1 layers; layer i is in_i × out_i row-major
  std::vector<std::vector<float>> biases;   // H + 1 layers; layer i has out_i values
};

// Checks the config alone (dims, sigma order, data_shape product, sampling values); INVALID_MODEL.
Status ValidateNcsnMlpConfig(const NcsnMlpConfig& config);

// The file's tensors for a valid config: "sigma_embed.freqs" (fixed), then "layers.{i}.weight" and
// "layers.{i}.bias" for i = 0..H (Parameters() of the trainable network, in this order).
TensorTable NcsnMlpTensorTable(const NcsnMlpConfig& config);

// Checks the config, and that every tensor has the size the config implies and finite values
// (INVALID_MODEL).
Status ValidateNcsnMlpWeights(const NcsnMlpWeights& weights);

// Parses the "config" metadata JSON (INVALID_MODEL saying which key is wrong). On error *out is
// unchanged.
Status ParseNcsnMlpConfig(const std::string& json, NcsnMlpConfig* out);

// The "config" metadata JSON for `config` (assumed valid); ParseNcsnMlpConfig reads it back.
std::string NcsnMlpConfigToJson(const NcsnMlpConfig& config);

// Reads and validates config and tensors from a parsed model file (architecture "ncsn-mlp";
// every expected tensor present with its exact shape, no other tensors). *out unchanged on error.
Status NcsnMlpWeightsFromSafetensors(const SafetensorsFile& file, NcsnMlpWeights* out);

// Validates `weights` and lays them out as a model file (metadata and tensors) for
// WriteSafetensors. INVALID_ARGUMENT when the weights are inconsistent.
Status NcsnMlpWeightsToSafetensors(const NcsnMlpWeights& weights, SafetensorsFile* out);

// Fresh weights for `config`, a pure function of the seed: W ~ N(0, 1/fan_in), b = 0 and random
// Fourier frequencies f ~ N(0, 1) (log σ spans a few units, so this covers a few periods).
Status InitNcsnMlpWeights(const NcsnMlpConfig& config, uint64_t seed, NcsnMlpWeights* out);

// The network's layers as views of `weights` (valid): layer i reads weights.weights[i] and
// weights.biases[i]. The views live as long as the tensors do.
std::vector<DenseView> NcsnMlpLayers(const NcsnMlpWeights& weights);

// The tensors of valid weights in NcsnMlpTensorTable order.
TensorList NcsnMlpTensors(NcsnMlpWeights* weights);

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

class NcsnMlp : public ScoreModel {
 public:
  // Validates `weights` (INVALID_MODEL on inconsistency) and builds the network.
  static Status Create(NcsnMlpWeights weights, std::unique_ptr<NcsnMlp>* out);
  // NcsnMlpWeightsFromSafetensors followed by Create.
  static Status FromSafetensors(const SafetensorsFile& file, std::unique_ptr<NcsnMlp>* out);

  size_t dim() const override { return weights_.config.dim; }
  // Any σ > 0 works mathematically (log σ and 1/σ are finite); quality is only known on the
  // trained range config().sigmas.
  float min_sigma() const override { return 1e-6f; }
  uint64_t scratch_bytes_per_thread() const override;
  // Rows are processed in tiles of kTileRows with per-call scratch, so memory stays bounded and
  // concurrent calls on disjoint rows are safe.
  void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const override;
  // The training forward and the backward pass to the input, tile by tile (about twice the
  // scratch of ScoreRows).
  void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                    float* out) const override;

  const NcsnMlpConfig& config() const { return weights_.config; }
  const NcsnMlpWeights& weights() const { return weights_; }

  static constexpr size_t kTileRows = 256;

  NcsnMlp(const NcsnMlp&) = delete;  // layers_ points into weights_
  NcsnMlp& operator=(const NcsnMlp&) = delete;

 private:
  explicit NcsnMlp(NcsnMlpWeights weights);
  // Create without validating again (the weights come from a validating reader).
  static Status FromValidWeights(NcsnMlpWeights weights, std::unique_ptr<NcsnMlp>* out);

  NcsnMlpWeights weights_;
  std::vector<DenseView> layers_;  // views of weights_
  size_t max_width_ = 0;           // of in_0, out_0, ..., out_H
};

}  // namespace sw
