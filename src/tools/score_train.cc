// score-train: trains a noise-conditional score network (the MLP on a generated 2-D data set, the
// U-Net on MNIST digits or Fashion-MNIST) and writes the model file the package loads (EMA weights,
// the noise schedule chosen from the data as NCSNv2 advises, and sampling defaults), with a
// progress line, resumable checkpoints and a loss log.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "data/image_datasets.h"
#include "data/toy2d.h"
#include "io/safetensors.h"
#include "tools/cli.h"
#include "train/fresh_network.h"
#include "train/noise_schedule.h"
#include "train/trainer.h"

namespace {

using sw::Status;

std::vector<size_t> ParseWidths(const std::string& text) {
  std::vector<size_t> widths;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) widths.push_back(std::stoul(item));
  return widths;
}

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// What a fresh run trains: the MLP for 2-D data, the U-Net for images (height × width grey
// images); widths are --hidden or --channels.
Status FreshSpec(const cxxopts::ParseResult& args, size_t height, size_t width,
                 sw::FreshNetworkSpec* spec) {
  const char* option = height > 0 ? "channels" : "hidden";
  try {
    spec->widths = ParseWidths(args[option].as<std::string>());
  } catch (const std::exception&) {
    return sw::InvalidArgument(std::string("--") + option + " must be comma-separated integers");
  }
  spec->image_height = height;
  spec->image_width = width;
  spec->groups = args["groups"].as<size_t>();
  spec->embedding_dim = args["embedding-dim"].as<size_t>();
  spec->sigma_embedding_freqs = args["freqs"].as<size_t>();
  spec->precondition = args.count("precondition") > 0;
  spec->sigma_min = args["sigma-min"].as<float>();
  spec->levels = args["levels"].as<int>();
  spec->steps_per_level = args["steps-per-level"].as<int>();
  spec->step_size_scale = args["step-size-scale"].as<float>();
  spec->sampler = args["sampler"].as<std::string>();
  spec->sampler_steps = args["sampler-steps"].as<int>();
  spec->sampler_snr = args["sampler-snr"].as<double>();
  spec->seed = args["seed"].as<uint64_t>();
  return Status::Ok();
}

int Run(int argc, char** argv) {
  cxxopts::Options cli(
      "score-train",
      "Trains a noise-conditional score network (denoising or sliced score matching): an MLP "
      "on a 2-D data set or a U-Net on 28x28 images, and writes a .safetensors model file.");
  // clang-format off
  cli.add_options()
    ("data", "data set: moons, swiss-roll, rings, checkerboard, two-modes (2-D, MLP); mnist, fashion-mnist (images, U-Net)", cxxopts::value<std::string>())
    ("out", "model file to write (EMA weights)", cxxopts::value<std::string>())
    ("examples", "2-D: training examples to generate", cxxopts::value<size_t>()->default_value("100000"))
    ("hidden", "MLP: hidden layer widths", cxxopts::value<std::string>()->default_value("128,128,128"))
    ("channels", "U-Net: channels per resolution level", cxxopts::value<std::string>()->default_value("16,32,64"))
    ("groups", "U-Net: GroupNorm groups", cxxopts::value<size_t>()->default_value("4"))
    ("embedding-dim", "U-Net: width of the sigma embedding", cxxopts::value<size_t>()->default_value("64"))
    ("freqs", "Fourier frequencies of the log-sigma embedding", cxxopts::value<size_t>()->default_value("16"))
    ("objective", "dsm (denoising) or ssm (sliced, finite differences)", cxxopts::value<std::string>()->default_value("dsm"))
    ("precondition", "U-Net: EDM's preconditioning (input scaled to unit variance, the score of a Gaussian of the data's scale added, a unit-variance target)")
    ("sigma-sampling", "noise level of each example: levels (one of the trained levels), log-uniform (continuous, between the largest and smallest) or log-normal (EDM's, at the data's scale)", cxxopts::value<std::string>()->default_value("levels"))
    ("loss-weighting", "sigma2 (DSM weighted by sigma^2) or edm (EDM's weight, sigma^2 (1 + sigma^2 / sigma_data^2))", cxxopts::value<std::string>()->default_value("sigma2"))
    ("steps", "optimisation steps", cxxopts::value<int64_t>()->default_value("20000"))
    ("batch", "examples per step", cxxopts::value<size_t>()->default_value("256"))
    ("lr", "Adam learning rate", cxxopts::value<double>()->default_value("0.001"))
    ("clip", "gradient clipping (global norm; 0 = none)", cxxopts::value<double>()->default_value("1"))
    ("ema", "EMA decay of the shipped weights", cxxopts::value<double>()->default_value("0.999"))
    ("sigma-min", "smallest noise level", cxxopts::value<float>()->default_value("0.01"))
    ("levels", "noise levels (0 = NCSNv2 technique 2; images need fewer for speed)", cxxopts::value<int>()->default_value("0"))
    ("steps-per-level", "sampling default: Langevin steps per level", cxxopts::value<int>()->default_value("100"))
    ("step-size-scale", "sampling default: the step size is NCSNv2 technique 4's times this (> 0)", cxxopts::value<float>()->default_value("1"))
    ("sampler", "sampling default: annealed-langevin, reverse-diffusion, pc or ode", cxxopts::value<std::string>()->default_value("annealed-langevin"))
    ("sampler-steps", "sampling default: the levels of reverse-diffusion, pc or ode (0 = its default)", cxxopts::value<int>()->default_value("0"))
    ("sampler-snr", "sampling default: pc's corrector signal-to-noise ratio (0 = its default, 0.16)", cxxopts::value<double>()->default_value("0"))
    ("seed", "seed of data, initial weights, batches and noise", cxxopts::value<uint64_t>()->default_value("0"))
    ("threads", "threads (never changes the result)", cxxopts::value<size_t>()->default_value("2"))
    ("checkpoint", "checkpoint file: resumed from when it exists", cxxopts::value<std::string>()->default_value(""))
    ("checkpoint-every", "steps between checkpoints", cxxopts::value<int64_t>()->default_value("1000"))
    ("log", "CSV file for the loss curve (step,loss)", cxxopts::value<std::string>()->default_value(""))
    ("f16", "store the weights as F16 (half the size)")
    ("h,help", "print this help");
  // clang-format on
  int exit_code = 0;
  const std::optional<cxxopts::ParseResult> parsed =
      sw::cli::Parse(cli, argc, argv, {"data", "out"}, &exit_code);
  if (!parsed) return exit_code;
  const cxxopts::ParseResult& args = *parsed;

  const std::string name = args["data"].as<std::string>();
  const uint64_t seed = args["seed"].as<uint64_t>();

  // Images: the training split of a data set; 2-D: points generated from the seed.
  std::vector<float> data;
  size_t dim = 2, height = 0, width = 0;
  const std::vector<std::string> image_sets = sw::ImageDatasetNames();
  if (std::find(image_sets.begin(), image_sets.end(), name) != image_sets.end()) {
    sw::ImageDataset set;
    if (Status s = sw::LoadImageDataset(name, sw::DatasetSplit::kTrain, &set); !s.ok())
      return sw::cli::Fail("score-train", s);
    height = set.height;
    width = set.width;
    dim = height * width;
    data = std::move(set.pixels);
  } else if (Status s = sw::MakeToy2d(name, args["examples"].as<size_t>(), seed, &data); !s.ok()) {
    return sw::cli::Fail("score-train", s);
  }

  sw::FreshNetworkSpec spec;
  sw::FreshNetwork fresh;
  if (Status s = FreshSpec(args, height, width, &spec); !s.ok())
    return sw::cli::Fail("score-train", s);
  // The schedule and sampling defaults are chosen from the data also when the run resumes: they
  // go into the model file, whatever the checkpoint's network was started with.
  if (Status s = sw::MakeFreshNetwork(data, dim, spec, &fresh); !s.ok())
    return sw::cli::Fail("score-train", s);
  const sw::NoiseScheduleChoice& schedule = fresh.schedule;
  const sw::SamplingDefaults& sampling = fresh.sampling;

  sw::TrainOptions options;
  const std::string objective = args["objective"].as<std::string>();
  if (objective != "dsm" && objective != "ssm") {
    std::fprintf(stderr, "score-train: --objective must be dsm or ssm (got %s)\n",
                 objective.c_str());
    return 2;
  }
  options.objective = objective == "dsm" ? sw::TrainObjective::kDsm : sw::TrainObjective::kSsm;
  const std::string sigma_sampling = args["sigma-sampling"].as<std::string>();
  if (!sw::ParseSigmaSampling(sigma_sampling, &options.sigma_sampling)) {
    std::fprintf(
        stderr,
        "score-train: --sigma-sampling must be levels, log-uniform or log-normal (got %s)\n",
        sigma_sampling.c_str());
    return 2;
  }
  const std::string loss_weighting = args["loss-weighting"].as<std::string>();
  if (!sw::ParseLossWeighting(loss_weighting, &options.loss_weighting)) {
    std::fprintf(stderr, "score-train: --loss-weighting must be sigma2 or edm (got %s)\n",
                 loss_weighting.c_str());
    return 2;
  }
  // The scale EDM's σ distribution and weight are relative to (the network's σ_d when it is
  // preconditioned: the same function of the same data).
  if (options.sigma_sampling == sw::SigmaSampling::kLogNormal ||
      options.loss_weighting == sw::LossWeighting::kEdm) {
    options.sigma_data = sw::DataScale(data);
  }
  options.steps = args["steps"].as<int64_t>();
  options.batch_size = args["batch"].as<size_t>();
  options.lr = args["lr"].as<double>();
  options.grad_clip = args["clip"].as<double>();
  options.ema_decay = args["ema"].as<double>();
  options.seed = seed;
  options.threads = args["threads"].as<size_t>();

  const std::string checkpoint = args["checkpoint"].as<std::string>();
  std::unique_ptr<sw::Trainer> trainer;
  if (!checkpoint.empty() && FileExists(checkpoint)) {
    if (Status s = sw::Trainer::FromCheckpoint(checkpoint, data, options.threads, &trainer);
        !s.ok()) {
      return sw::cli::Fail("score-train", s);
    }
    std::fprintf(stderr, "resuming from %s at step %lld\n", checkpoint.c_str(),
                 static_cast<long long>(trainer->step()));
  } else if (Status s = sw::Trainer::Create(std::move(fresh.network), data, options, &trainer);
             !s.ok()) {
    return sw::cli::Fail("score-train", s);
  }
  std::fprintf(stderr,
               "%s: %zu examples, sigma %.4g -> %.4g over %d levels, step size %.3g, %zu threads\n",
               name.c_str(), data.size() / dim, schedule.sigma_max, schedule.sigma_min,
               schedule.levels, sampling.step_size, options.threads);

  std::ofstream log;
  if (const std::string path = args["log"].as<std::string>(); !path.empty()) {
    // A resumed run keeps the rows up to its checkpoint's step: a run stopped after a checkpoint
    // had logged steps that the resumed one trains again.
    std::vector<std::string> kept = {"step,loss"};
    if (trainer->step() > 0) {
      std::ifstream old(path);
      for (std::string line; std::getline(old, line);) {
        char* end = nullptr;
        const long long step = std::strtoll(line.c_str(), &end, 10);
        if (end != line.c_str() && *end == ',' && step <= trainer->step()) kept.push_back(line);
      }
    }
    log.open(path, std::ios::trunc);
    for (const std::string& line : kept) log << line << "\n";
  }
  const int64_t every = std::max<int64_t>(1, args["checkpoint-every"].as<int64_t>());
  const int64_t report = std::max<int64_t>(1, std::min<int64_t>(every, 100));
  const auto start = std::chrono::steady_clock::now();
  const int64_t first = trainer->step();
  while (trainer->step() < options.steps) {
    const int64_t k = std::min(report, options.steps - trainer->step());
    if (Status s = trainer->Step(k); !s.ok()) return sw::cli::Fail("score-train", s);
    if (log.is_open()) log << trainer->step() << "," << trainer->loss() << std::endl;  // flushed
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double per_step = seconds / static_cast<double>(trainer->step() - first);
    std::fprintf(stderr, "\rstep %lld/%lld  loss %.4f  %.0f examples/s  ETA %.0f s   ",
                 static_cast<long long>(trainer->step()), static_cast<long long>(options.steps),
                 trainer->loss(), options.batch_size / per_step,
                 per_step * static_cast<double>(options.steps - trainer->step()));
    if (!checkpoint.empty() && (trainer->step() % every == 0 || trainer->step() == options.steps)) {
      if (Status s = trainer->SaveCheckpoint(checkpoint); !s.ok())
        return sw::cli::Fail("score-train", s);
    }
  }
  std::fprintf(stderr, "\n");

  std::vector<uint8_t> bytes;
  if (Status s =
          sw::TrainedModelFile(trainer->EmaNetwork(), sampling, args.count("f16") > 0, &bytes);
      !s.ok()) {
    return sw::cli::Fail("score-train", s);
  }
  if (Status s = sw::WriteFileBytes(args["out"].as<std::string>(), bytes); !s.ok())
    return sw::cli::Fail("score-train", s);
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", args["out"].as<std::string>().c_str(),
               bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return sw::cli::Main("score-train", Run, argc, argv); }
