// A new score network to train, and the model file of a trained one: what score-train and the
// package's in-browser training (wasm/bindings.cc) both start from and end with. The noise levels
// and the sampling defaults come from the data (NCSNv2, train/noise_schedule.h), the initial
// weights from a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/config_json.h"
#include "models/trainable_network.h"
#include "train/noise_schedule.h"

namespace sw {

struct FreshNetworkSpec {
  // The MLP's hidden widths, or the U-Net's channels per resolution level.
  std::vector<size_t> widths = {128, 128, 128};
  size_t sigma_embedding_freqs = 16;
  // Both > 0: a U-Net on image_height × image_width grey images (dim must be their product);
  // both 0: the MLP on points of the data's dim.
  size_t image_height = 0, image_width = 0;
  size_t groups = 4, embedding_dim = 64;  // U-Net only
  // U-Net only: EDM's preconditioning (NcsnUnetPreconditioning), with σ_d = DataScale(data).
  bool precondition = false;
  float sigma_min = 0.01f;
  int levels = 0;                // 0: NCSNv2 technique 2 (capped at a ratio of 2 between levels)
  int steps_per_level = 100;     // sampling default: annealed Langevin steps per level
  float step_size_scale = 1.0f;  // sampling default: technique 4's step size times this, > 0
  // The sampler the model file advises: 'annealed-langevin' (with the two settings above), or
  // 'reverse-diffusion', 'pc' or 'ode' with sampler_steps levels (0: that sampler's default),
  // and for 'pc' the corrector's signal-to-noise ratio (0: the sampler's default).
  std::string sampler = "annealed-langevin";
  int sampler_steps = 0;
  double sampler_snr = 0;
  uint64_t seed = 0;  // initial weights
};

struct FreshNetwork {
  std::unique_ptr<TrainableNetwork> network;
  NoiseScheduleChoice schedule;
  SamplingDefaults sampling;  // spec.sampler, with the schedule's steps per level and step size
};

// The root mean square of the data's values: EDM's σ_d, the scale that makes in(σ) · x have unit
// second moment at every σ (the data need not be centred: MNIST's pixels have mean 0.13).
float DataScale(const std::vector<float>& data);

// The network of `spec` for data (rows × dim, row-major, at least 2 rows, finite), its noise
// levels and sampling defaults chosen from the data. INVALID_ARGUMENT naming what is wrong.
Status MakeFreshNetwork(const std::vector<float>& data, size_t dim, const FreshNetworkSpec& spec,
                        FreshNetwork* out);

// The model file of a trained network (the trainer's EMA), with `sampling` as its sampling
// defaults: they are advice about the trained network, not training state, so a run resumed from a
// checkpoint written with other ones still gets these.
Status TrainedModelFile(const TrainableNetwork& network, const SamplingDefaults& sampling,
                        bool store_f16, std::vector<uint8_t>* bytes);

}  // namespace sw
