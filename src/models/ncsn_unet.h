// The noise-conditional U-Net score network for small images (e.g. 28×28 digits), conditioned as
// in NCSNv2 (output divided by σ, or EDM's preconditioning) with a σ embedding added in every
// residual block:
//
//   e      = SiLU([sin(2π f_j log σ), cos(2π f_j log σ)]_j · W_e + b_e)     (E values)
//   h      = conv_in(in(σ) · x)                                     (3×3, C → c_0)
//   down l = 0..L-1:  h = Block_l(h) at resolution H/2^l (channels c_{l-1} → c_l; c_{-1} = c_0);
//                     skip_l = h;  h = AvgPool2(h) unless l = L-1
//   up l = L-2..0:    h = Upsample2(proj_l(h)) + skip_l;  h = UpBlock_l(h)
//                     (proj: 1×1, c_{l+1} → c_l)
//   F      = conv_out(SiLU(GroupNorm(h)))                           (3×3, c_0 → C)
//   s      = out(σ) · F + skip(σ) · x     (NcsnUnetPreconditioning: NCSNv2's s = F / σ unless the
//                                          config has sigma_data)
//   Block(h): a = conv1(SiLU(GroupNorm1(h))) + (e · W_b + b_b);  b = conv2(SiLU(GroupNorm2(a)));
//             out = b + h (or + skip(h), a 1×1 convolution, when the channel count changes)
// GroupNorm normalises each image on its own, so a sample's score never depends on its batch.
//
// Images are stored pixel-major with channels last (H × W × C, row-major), i.e. "data_shape":
// [H, W, C]; for one channel that is the usual row-major image. Convolution weights are
// (9 · in) × out with rows in (ky, kx, in-channel) order (PyTorch's [out, in, 3, 3] permuted to
// [3, 3, in, out]); 1×1 and dense weights are in × out, as in the MLP.
//
// Tensors (F32 or F16): "sigma_embed.freqs" [F] (fixed, not trained), "embed.weight" [2F, E],
// "embed.bias" [E], "conv_in.*", for each down level
// "down.{l}.{norm1,conv1,emb,norm2,conv2,skip}.*", for each up level "up.{l}.proj.*" and
// "up.{l}.{norm1,...}.*", "norm_out.*", "conv_out.*" (the list and shapes are NcsnUnetTensorTable).
// Metadata: "format": "score-wasm", "architecture": "ncsn-unet", "config":
//   {"data_shape": [28, 28, 1], "channels": [16, 32, 64], "groups": 4,
//    "sigma_embedding_freqs": 16, "embedding_dim": 64, "sigmas": [...], "sampling": {...},
//    "sigma_data": 0.31 (optional: EDM's preconditioning)}
// H and W must be divisible by 2^(L-1) and every c_l by groups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/safetensors.h"
#include "layers/dense.h"
#include "models/config_json.h"
#include "models/score_model.h"
#include "models/tensor_table.h"

namespace sw {

inline constexpr char kNcsnUnetArchitecture[] = "ncsn-unet";

struct NcsnUnetConfig {
  size_t height = 0, width = 0, image_channels = 0;  // "data_shape": [H, W, C]
  std::vector<size_t> channels;                      // c_l per resolution level, L >= 1
  size_t groups = 1;                                 // GroupNorm groups, divides every c_l
  size_t sigma_embedding_freqs = 0;                  // F >= 1
  size_t embedding_dim = 0;                          // E >= 1
  std::vector<float> sigmas;                         // trained σ, strictly decreasing
  float sigma_data = 0.0f;  // > 0: EDM preconditioning with this data scale; 0: NCSNv2's 1/σ
  bool has_sampling = false;
  SamplingDefaults sampling;

  size_t dim() const { return height * width * image_channels; }
};

// How σ and x enter around the network body F: s(x, σ) = out · F(in · x, σ) + skip · x.
//   NCSNv2 (sigma_data = 0):  in = 1, out = 1/σ, skip = 0.
//   EDM (Karras et al. 2022, Table 1, written for the score of the VE process; v = σ² + σ_d²):
//     in = 1/√v (unit-variance input at every σ), skip = −1/v (the score of N(0, v·I): the
//     network learns only what the data adds to a Gaussian of its own scale), out = σ_d/(σ√v)
//     (a unit-variance target for F: D(x) = x + σ² s is EDM's c_skip·x + c_out·F).
// Computed in double, rounded to float once, so every consumer (the ONNX export too) uses the
// same three floats.
struct UnetPreconditioning {
  float in = 1.0f, out = 1.0f, skip = 0.0f;
};
UnetPreconditioning NcsnUnetPreconditioning(const NcsnUnetConfig& config, float sigma);

struct NcsnUnetWeights {
  NcsnUnetConfig config;
  std::vector<float> freqs;                 // F fixed Fourier frequencies
  std::vector<std::vector<float>> tensors;  // the trainable tensors, in NcsnUnetTensorTable order
};

// Views of one layer's tensors: F is const float (the weights) or float (their gradients).
template <class F>
struct UnetLinear {  // a dense layer, or a convolution's (9 · in or in) × out GEMM, and its bias
  F* w = nullptr;
  F* b = nullptr;
  // A 3 × 3 convolution's w in the kernel's panels, where a model keeps them (Conv3x3's
  // packed_weight); nullptr: packed at each call (training, whose weights change every step).
  const float* packed = nullptr;
};
template <class F>
struct UnetNorm {  // GroupNorm's scale and shift
  F* gamma = nullptr;
  F* beta = nullptr;
};
template <class F>
struct UnetBlock {
  size_t cin = 0, cout = 0, h = 0, w = 0;  // channels in and out, resolution
  bool has_skip = false;                   // a 1×1 skip convolution (cin != cout)
  UnetNorm<F> norm1, norm2;
  UnetLinear<F> conv1, emb, conv2, skip;
};
// The whole network, built by the same walk of the architecture as its tensor table, so the two
// can never disagree.
template <class F>
struct UnetTensors {
  F* freqs = nullptr;  // fixed: no gradient view
  UnetLinear<F> embed, conv_in, conv_out;
  UnetNorm<F> norm_out;
  std::vector<UnetBlock<F>> down;   // L blocks
  std::vector<UnetBlock<F>> up;     // L - 1 blocks, by level l
  std::vector<UnetLinear<F>> proj;  // L - 1 projections, by level l
};
using NcsnUnetView = UnetTensors<const float>;
using NcsnUnetGrads = UnetTensors<float>;

// Checks sizes, divisibility and the sampling/sigma values; INVALID_MODEL.
Status ValidateNcsnUnetConfig(const NcsnUnetConfig& config);
// The file's tensors for a valid config: "sigma_embed.freqs" (fixed), then the trainable tensors
// in the order of NcsnUnetWeights::tensors.
TensorTable NcsnUnetTensorTable(const NcsnUnetConfig& config);
// Views of valid weights (they live as long as the tensors do), and of gradients: one tensor per
// NcsnUnetWeights::tensors entry, with its size.
NcsnUnetView ViewNcsnUnet(const NcsnUnetWeights& weights);
// The tensors of valid weights in NcsnUnetTensorTable order (the frequencies, then `tensors`).
TensorList NcsnUnetTensors(NcsnUnetWeights* weights);
NcsnUnetGrads ViewNcsnUnetGrads(const NcsnUnetConfig& config, const TensorList& grads);
// The config, and every tensor's size and finiteness (INVALID_MODEL).
Status ValidateNcsnUnetWeights(const NcsnUnetWeights& weights);

Status ParseNcsnUnetConfig(const std::string& json, NcsnUnetConfig* out);
std::string NcsnUnetConfigToJson(const NcsnUnetConfig& config);
// Exactly the expected tensors with their shapes (INVALID_MODEL otherwise); *out unchanged on
// error.
Status NcsnUnetWeightsFromSafetensors(const SafetensorsFile& file, NcsnUnetWeights* out);
// INVALID_ARGUMENT when the weights are inconsistent.
Status NcsnUnetWeightsToSafetensors(const NcsnUnetWeights& weights, SafetensorsFile* out);

// Fresh weights, a pure function of the seed: convolution and dense weights N(0, 1/fan_in), biases
// 0, GroupNorm scales 1 and shifts 0, Fourier frequencies N(0, 1).
Status InitNcsnUnetWeights(const NcsnUnetConfig& config, uint64_t seed, NcsnUnetWeights* out);

// Every intermediate of one forward pass over `rows` images (kept for the backward pass; inference
// reuses the buffers). Names follow the header comment.
struct NcsnUnetBlockActivations {
  std::vector<float> norm1, mean1, rstd1, act1;  // GroupNorm1 output, its statistics, SiLU of it
  std::vector<float> pre2;                       // conv1 + embedding projection
  std::vector<float> norm2, mean2, rstd2, act2;
  std::vector<float> out;
};
struct NcsnUnetActivations {
  size_t rows = 0;
  std::vector<float> sigma;                       // rows
  std::vector<float> embed_in, embed_pre, embed;  // rows × 2F, rows × E (before / after SiLU)
  std::vector<float> x;                           // the input images
  std::vector<float> h_in;                        // conv_in output
  std::vector<NcsnUnetBlockActivations> down, up;
  std::vector<std::vector<float>> pooled;  // by level l < L-1: AvgPool2(down[l].out)
  std::vector<std::vector<float>> proj;    // by level l < L-1: proj_l at level l+1's resolution
  std::vector<std::vector<float>> merged;  // by level l < L-1: Upsample2(proj) + skip_l
  std::vector<float> norm_out, mean_out, rstd_out, act_out;
  std::vector<float> block_bias, skip;  // scratch
};

// score[rows × dim] = s_θ(x_r, σ_r), each row with its own σ_r > 0, keeping every intermediate in
// *act. `net` views valid weights of `config`. The layers split their pixels and channel groups
// over par's threads (the same bits on any number).
void NcsnUnetForward(const NcsnUnetConfig& config, const NcsnUnetView& net, const float* x,
                     const float* sigma, size_t rows, NcsnUnetActivations* act, float* score,
                     const Parallel& par = Parallel());

// Backward scratch, reused between calls.
struct NcsnUnetGradScratch {
  GradScratch ops;
  std::vector<float> dy, dh, dnext, dskip_in, dact, dnorm, dpre, dbias, dembed, dembed_tmp;
  std::vector<std::vector<float>> dskip;  // by level l < L-1: d loss / d down[l].out via the skip
};

// Adds d loss / d θ to *grads given dscore = d loss / d score (rows × dim) for the activations of
// the last NcsnUnetForward on `act` (with the same config and weights); a null tensor in grads is
// skipped. dx (rows × dim), when not null, receives d loss / d x.
void NcsnUnetBackward(const NcsnUnetConfig& config, const NcsnUnetView& net, const float* dscore,
                      const NcsnUnetActivations& act, const NcsnUnetGrads& grads,
                      NcsnUnetGradScratch* scratch, float* dx = nullptr);

// Floats of NcsnUnetActivations (and the dense kernel's packed input) per image: the forward
// pass's working memory, known before any allocation. Config must be valid.
uint64_t NcsnUnetScratchFloatsPerImage(const NcsnUnetConfig& config);

// The forward pass's cost in floating-point operations per image (multiply-adds count 2).
double NcsnUnetFlopsPerImage(const NcsnUnetConfig& config);

class NcsnUnet : public ScoreModel {
 public:
  static Status Create(NcsnUnetWeights weights, std::unique_ptr<NcsnUnet>* out);
  static Status FromSafetensors(const SafetensorsFile& file, std::unique_ptr<NcsnUnet>* out);

  size_t dim() const override { return weights_.config.dim(); }
  float min_sigma() const override { return kMinModelSigma; }
  uint64_t scratch_bytes_per_thread() const override;
  // One image is several MFLOP per evaluation: a task of its own.
  size_t min_rows_per_task() const override { return 1; }
  // Tiles of kTileRows images, with per-thread scratch (thread_local), so concurrent calls on
  // disjoint rows are safe.
  void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const override;
  // The same with every layer split over par's threads (pixels, channel groups).
  void ScoreRowsOn(const Parallel& par, const float* x, size_t n, const float* sigma,
                   float* out) const override;
  // The forward pass, then the backward pass with no parameter gradients, to the input (about
  // twice the scratch of ScoreRows).
  void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                    float* out) const override;

  const NcsnUnetConfig& config() const { return weights_.config; }
  const NcsnUnetWeights& weights() const { return weights_; }
  // The view the model evaluates with: its weights, and its convolutions' packed copies.
  const NcsnUnetView& view() const { return view_; }

  static constexpr size_t kTileRows = 4;

  NcsnUnet(const NcsnUnet&) = delete;  // view_ points into weights_
  NcsnUnet& operator=(const NcsnUnet&) = delete;

 private:
  explicit NcsnUnet(NcsnUnetWeights weights);
  // Create without validating again (the weights come from a validating reader).
  static Status FromValidWeights(NcsnUnetWeights weights, std::unique_ptr<NcsnUnet>* out);
  NcsnUnetWeights weights_;
  // view_ unless the SIMD target changed since the weights were packed (tests switch targets):
  // then *unpacked, view_ without the packed weights.
  const NcsnUnetView& EvaluationView(NcsnUnetView* unpacked) const;
  NcsnUnetView view_;  // with every 3 × 3 convolution's packed weights, in packed_convs_
  std::vector<std::vector<float>> packed_convs_;  // each keeps its buffer as more are added
  size_t packed_layout_ = 0;  // f32_conv3x3_packed_floats(1, 1) when they were packed
  NcsnUnetGrads no_grads_;    // every tensor null: the backward pass computes the input's gradient
};

}  // namespace sw
