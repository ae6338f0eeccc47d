// The training loop for any trainable network (models/trainable_network.h): the network, Adam
// state, EMA and the step counter over an in-memory dataset, advanced a given number of steps at a
// time (so a CLI can print progress and checkpoint in between), with resumable checkpoints.
//
// Determinism: at step t, batch slot b takes its example index and noise level from Philox block
// (seed, kTrainBatch, counter {b, t}) and its z (and v for SSM) from FillNormal(seed, kTrainNoise /
// kTrainDirection, sample b, step t). The gradient is a BatchGradient (train/batch_gradient.h) in
// chunks of the network's TrainChunkRows() slots, each with its own tape. So the trained weights
// are bit-identical for any thread count, and train(n + m) equals train(n), SaveCheckpoint,
// FromCheckpoint, train(m).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "io/safetensors.h"
#include "models/trainable_network.h"
#include "train/adam.h"
#include "train/batch_gradient.h"
#include "train/objectives.h"

namespace sw {

enum class TrainObjective { kDsm = 0, kSsm = 1 };

// How a batch slot's noise level is drawn: one of the network's trained levels, each as likely
// (NCSN), log-uniformly between the smallest and the largest of them (continuous σ: the
// score-SDE samplers evaluate the network between the levels, at σ the first way never trains),
// or log-normally as EDM (Karras et al. 2022): ln σ ~ N(ln σ_d − 0.51, 1.2²), EDM's P_mean = −1.2
// and P_std = 1.2 for σ_d = 0.5 moved to this data's scale, clamped to the levels' range.
enum class SigmaSampling { kLevels = 0, kLogUniform = 1, kLogNormal = 2 };

// The weight of a slot's DSM loss ½ ||σ s + z||²: 1 (λ(σ) = σ², NCSN), or EDM's λ(σ) = (σ² +
// σ_d²) / (σ σ_d)² on the denoiser D = x + σ² s, which is 1 + σ²/σ_d² here: with EDM's
// preconditioning (NcsnUnetPreconditioning) it gives the network body's output F the same unit
// weight at every σ.
enum class LossWeighting { kSigmaSquared = 0, kEdm = 1 };

// The σ of a batch slot from two words of uniform random bits u0, u1; `sigmas` is the network's
// levels (largest first, at least one); sigma_data > 0 for kLogNormal.
float TrainingSigma(SigmaSampling how, const std::vector<float>& sigmas, double sigma_data,
                    uint32_t u0, uint32_t u1);
// A slot's loss weight at noise level sigma (sigma_data > 0 for kEdm).
float LossWeight(LossWeighting how, double sigma_data, float sigma);

// The names of checkpoints and score-train's flags: "levels", "log-uniform", "log-normal";
// "sigma2", "edm". False for any other name.
bool ParseSigmaSampling(const std::string& name, SigmaSampling* out);
bool ParseLossWeighting(const std::string& name, LossWeighting* out);

struct TrainOptions {
  TrainObjective objective = TrainObjective::kDsm;
  SigmaSampling sigma_sampling = SigmaSampling::kLevels;
  LossWeighting loss_weighting = LossWeighting::kSigmaSquared;
  double sigma_data = 0.0;   // the data's scale (DataScale), > 0 for kLogNormal and kEdm
  int64_t steps = 10000;     // the planned total, for tools; Step(k) does not stop at it
  size_t batch_size = 128;   // examples per step, 1 to 2^20
  double lr = 1e-3;          // Adam learning rate, finite and > 0
  double grad_clip = 1.0;    // max global gradient norm; 0 = no clipping
  double ema_decay = 0.999;  // in [0, 1]; 0 makes the EMA the current weights
  uint64_t seed = 0;         // batches and noise (the initial weights are the caller's)
  size_t threads = 1;        // 1 to 256; never changes the result
  double ssm_fd_eps = 0.01;  // FD-SSM: ε = ssm_fd_eps · σ, finite and > 0
};

// Checks ranges (INVALID_ARGUMENT saying which option is wrong).
Status ValidateTrainOptions(const TrainOptions& options);

class Trainer {
 public:
  // Trains `initial` (the noise levels are initial->sigmas(); the EMA starts as its copy) on
  // `data` (N × initial->dim() values, N >= 1, all finite). INVALID_ARGUMENT on a null network,
  // bad data or bad options. With a shared_pool (which must outlive the trainer) it runs on that
  // pool's threads instead of starting options.threads of its own: the WASM module has one fixed
  // set of worker threads for everything.
  static Status Create(std::unique_ptr<TrainableNetwork> initial, std::vector<float> data,
                       const TrainOptions& options, std::unique_ptr<Trainer>* out,
                       ThreadPool* shared_pool = nullptr);
  // A trainer in the state saved by SaveCheckpoint, on the same data (checked by a fingerprint)
  // and with `threads` threads. INVALID_MODEL for a bad file, INVALID_ARGUMENT for other data.
  static Status FromCheckpoint(const std::string& path, std::vector<float> data, size_t threads,
                               std::unique_ptr<Trainer>* out);

  // Runs k >= 0 optimisation steps. On a non-finite loss or gradient it stops before updating
  // anything at that step and returns INVALID_ARGUMENT (lower the learning rate).
  Status Step(int64_t k);

  int64_t step() const { return step_; }
  // Mean batch loss over the steps of the last Step(k) call (NaN before any step).
  double loss() const { return loss_; }
  // The last step's batch loss and its global gradient norm before clipping.
  double last_loss() const { return last_loss_; }
  double last_grad_norm() const { return last_grad_norm_; }

  // Writes a .safetensors checkpoint: tensors "params.<name>", "ema.<name>" (every tensor of the
  // model files, fixed ones included), "adam_m.<name>", "adam_v.<name>" (one per parameter, with
  // its shape) and metadata format "score-wasm-checkpoint", architecture, config,
  // "train_options" (JSON), "step", "data" (rows, dim, fingerprint).
  Status SaveCheckpoint(const std::string& path) const;
  // Replaces network, EMA, Adam state, step and options (keeping this trainer's threads) with the
  // checkpoint's, whatever its architecture; the data must be the same. On error the trainer is
  // unchanged.
  Status LoadCheckpoint(const std::string& path);

  const TrainableNetwork& Network() const { return *network_; }
  // The exponential moving average of the network's parameters: what ships.
  const TrainableNetwork& EmaNetwork() const { return *ema_; }
  const TrainOptions& options() const { return options_; }

 private:
  Trainer(std::vector<float> data, size_t dim, size_t threads, ThreadPool* shared_pool);
  // LoadCheckpoint on a parsed checkpoint file.
  Status LoadCheckpointFile(const SafetensorsFile& file);
  void Reset(std::unique_ptr<TrainableNetwork> network, std::unique_ptr<TrainableNetwork> ema,
             const TrainOptions& options);
  // The summed loss of batch slots [begin, end) of the current step; its gradient is added to
  // grads.
  double RunChunk(size_t chunk, size_t begin, size_t end, const TensorList& grads);

  std::vector<float> data_;
  size_t dim_ = 0, rows_ = 0;
  std::unique_ptr<ThreadPool> owned_pool_;
  ThreadPool* pool_ = nullptr;  // owned_pool_, the shared pool, or none (one thread)
  size_t threads_ = 1;

  TrainOptions options_;
  std::unique_ptr<TrainableNetwork> network_, ema_;
  size_t chunk_rows_ = 0;  // network_->TrainChunkRows()
  std::unique_ptr<Adam> adam_;
  int64_t step_ = 0;
  double loss_, last_loss_, last_grad_norm_;

  // Per chunk of the batch: a tape of network_ and scratch.
  struct Chunk {
    std::unique_ptr<TrainTape> tape;
    ObjectiveWorkspace ws;
    std::vector<float> x, sigma, weight, z, v;
  };
  std::vector<Chunk> chunks_;
  std::unique_ptr<BatchGradient> batch_;
};

}  // namespace sw
