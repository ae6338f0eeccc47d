// score-eval: samples a model with the settings stored in its file and compares the samples with
// held-out data.
//   2-D data: the energy distance, next to its noise floor at this sample size: the mean |energy
//     distance| between the held-out points and kNoiseFloorDraws independent draws of the data.
//   Images (mnist, fashion-mnist): a classifier trained here on the training split (an MLP: our
//     own measuring instrument, not Inception) gives the class histogram and mean confidence of the
//     samples, and the Fréchet distance between samples and test images in its feature space
//     ("FID" with our own feature net), next to the same distance between as many training images
//     and the test images (the floor).
// Then, for either kind, the score's strength at each of the sampler's noise levels, measured on
// held-out data (eval/score_strength.h): what the step size has to make up for.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "data/image_datasets.h"
#include "data/toy2d.h"
#include "eval/classifier.h"
#include "eval/energy_distance.h"
#include "eval/image_grid.h"
#include "eval/image_metrics.h"
#include "eval/image_quality.h"
#include "eval/png.h"
#include "eval/score_strength.h"
#include "io/safetensors.h"
#include "models/model_file.h"
#include "samplers/likelihood.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"
#include "tools/cli.h"

namespace {

// Seeds of the held-out draws: far from the small seeds used for training data.
constexpr uint64_t kHeldOutSeed = 1000003, kSecondDrawSeed = 2000003;

// A square scatter plot: held-out data in grey under the samples in blue, over the data's bounding
// box with a 10 % margin (samples outside it are clipped).
sw::RgbImage Scatter(const std::vector<float>& data, const std::vector<float>& samples) {
  float lo = data[0], hi = data[0];
  for (float v : data) lo = std::min(lo, v), hi = std::max(hi, v);
  const float margin = 0.1f * (hi - lo);
  lo -= margin;
  hi += margin;
  sw::RgbImage image;
  image.width = image.height = 512;
  image.pixels.assign(size_t(512) * 512 * 3, 255);
  auto plot = [&](const std::vector<float>& points, uint8_t r, uint8_t g, uint8_t b) {
    for (size_t i = 0; i + 1 < points.size(); i += 2) {
      const int px = static_cast<int>((points[i] - lo) / (hi - lo) * 511);
      const int py = static_cast<int>((hi - points[i + 1]) / (hi - lo) * 511);  // y up
      if (px < 0 || px > 511 || py < 0 || py > 511) continue;
      uint8_t* p = &image.pixels[(size_t(py) * 512 + px) * 3];
      p[0] = r, p[1] = g, p[2] = b;
    }
  };
  plot(data, 190, 190, 190);
  plot(samples, 30, 90, 200);
  return image;
}

// The image report: classifier, class statistics, Fréchet distances and the sample grid.
int EvaluateImages(const std::string& name, const sw::ImageDataset& test,
                   const std::vector<float>& samples, size_t n, size_t threads,
                   const std::string& png) {
  sw::ImageDataset train;
  if (sw::Status s = sw::LoadImageDataset(name, sw::DatasetSplit::kTrain, &train); !s.ok())
    return sw::cli::Fail("score-eval", s);
  const size_t dim = train.height * train.width;
  if (samples.size() != n * dim) {
    return sw::cli::Fail("score-eval", sw::InvalidArgument("the model's dim is not the data's"));
  }
  sw::ClassifierOptions options;
  options.threads = threads;
  std::unique_ptr<sw::ImageClassifier> classifier;
  if (sw::Status s = sw::ImageClassifier::Train(train.pixels.data(), train.labels.data(),
                                                train.count, dim, options, &classifier);
      !s.ok()) {
    return sw::cli::Fail("score-eval", s);
  }
  sw::ImageSampleQuality quality;
  if (sw::Status s = sw::MeasureImageSamples(*classifier, train, test, samples.data(), n, &quality);
      !s.ok()) {
    return sw::cli::Fail("score-eval", s);
  }
  const char* const* names = sw::ImageClassNames(name);
  std::printf(
      "%s: classifier test accuracy %.3f (MLP, %zu training images), mean confidence on the test "
      "images %.3f\n",
      name.c_str(), classifier->Accuracy(test.pixels.data(), test.labels.data(), test.count),
      train.count, quality.test_confidence);
  std::printf(
      "%s\n",
      sw::FormatClassStats(quality.classes, std::vector<std::string>(names, names + 10)).c_str());
  std::printf(
      "Frechet distance in the classifier's feature space (our own \"FID\"): samples vs test %.3f, "
      "%zu training images vs test (floor) %.3f\n",
      quality.frechet, quality.floor_count, quality.frechet_floor);
  if (!png.empty()) {
    sw::ImageGridOptions grid;
    grid.columns = 8;
    grid.scale = 2;
    sw::RgbImage image;
    if (sw::Status s = sw::MakeImageGrid(samples.data(), std::min<size_t>(n, 64), train.height,
                                         train.width, grid, &image);
        !s.ok()) {
      return sw::cli::Fail("score-eval", s);
    }
    if (sw::Status s = sw::WritePng(png, image); !s.ok()) return sw::cli::Fail("score-eval", s);
  }
  return 0;
}

// Prints the pull and recovered fraction of the model's score at each level, on `rows` held-out
// rows: the first ones of the test split (images) or of the held-out draw (2-D).
sw::Status ReportScoreStrength(const sw::ScoreModel& model, const std::vector<float>& sigmas,
                               const std::string& data, const sw::ImageDataset* test, size_t rows,
                               sw::ThreadPool* pool) {
  std::vector<float> held_out;
  if (test != nullptr) {
    if (test->height * test->width != model.dim()) {
      return sw::InvalidArgument("the model's dim is not the data's");
    }
    rows = std::min(rows, test->count);
    held_out.assign(test->pixels.begin(), test->pixels.begin() + rows * model.dim());
  } else {
    SW_RETURN_IF_ERROR(sw::MakeToy2d(data, rows, kHeldOutSeed, &held_out));
  }
  std::vector<sw::ScoreStrength> levels;
  SW_RETURN_IF_ERROR(
      sw::MeasureScoreStrength(model, held_out.data(), rows, sigmas, /*seed=*/0, pool, &levels));
  std::printf(
      "score strength on %zu held-out rows (1 = the exact score's pull toward the data where the "
      "noise dominates):\n%s",
      rows, sw::FormatScoreStrength(levels).c_str());
  return sw::Status::Ok();
}

// Bits per dimension of the first `count` test images, as the field reports them: each 8-bit pixel
// p dequantised to (p + u) / 256, u ~ U[0, 1) (seeded), then −(log p(x) − dim · ln 256) / (dim ln
// 2) with log p from the probability-flow ODE (samplers/likelihood.h). The model was trained on p /
// 255; the 255 / 256 rescaling this implies is left as it is.
sw::Status ReportBitsPerDim(const sw::LoadedModel& loaded, const sw::ImageDataset& test,
                            size_t count, sw::ThreadPool* pool) {
  const size_t dim = loaded.model->dim();
  if (test.height * test.width != dim)
    return sw::InvalidArgument("the model's dim is not the data's");
  std::vector<float> x(count * dim), u(dim);
  for (size_t i = 0; i < count; ++i) {
    sw::FillUniform(kHeldOutSeed, sw::RandomStream::kInit, i, 0, 1, u.data(), dim);
    for (size_t j = 0; j < dim; ++j) {
      const float pixel = std::round(test.pixels[i * dim + j] * 255);
      x[i * dim + j] = (pixel + u[j]) / 256;
    }
  }
  sw::LogProbRequest request;  // the file's sigmas, the default levels, one probe
  sw::LogProbOptions options;
  SW_RETURN_IF_ERROR(sw::ResolveLogProbOptions(loaded.config_json, dim, request, &options));
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> log_probs;
  SW_RETURN_IF_ERROR(sw::LogProb(*loaded.model, x.data(), count, options, pool, 0, &log_probs));
  double sum = 0, sum2 = 0;
  for (double lp : log_probs) {
    const double bpd = -(lp - dim * std::log(256.0)) / (dim * std::log(2.0));
    sum += bpd, sum2 += bpd * bpd;
  }
  const double mean = sum / count, se = std::sqrt((sum2 / count - mean * mean) / count);
  std::printf(
      "log-likelihood of %zu dequantised test images: %.3f bits per dimension (standard error "
      "%.3f; %d levels from %.3g to %.3g, %d probe(s), %.1f s)\n",
      count, mean, se, options.steps, options.sigma_max, options.sigma_min, options.probes,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return sw::Status::Ok();
}

int Run(int argc, char** argv) {
  cxxopts::Options cli(
      "score-eval",
      "Samples a score model with its own sampling settings and compares the samples with "
      "held-out data: the energy distance next to the noise floor (2-D), or class histogram, "
      "confidence and Frechet distance from a classifier trained here (images).");
  // clang-format off
  cli.add_options()
    ("model", "model file (.safetensors)", cxxopts::value<std::string>())
    ("data", "data set the model was trained on: moons, swiss-roll, rings, checkerboard, two-modes, mnist, fashion-mnist", cxxopts::value<std::string>())
    ("samples", "samples and held-out points", cxxopts::value<size_t>()->default_value("10000"))
    ("seed", "sampling seed", cxxopts::value<uint64_t>()->default_value("1"))
    ("steps-per-level", "override the model's Langevin steps per level (0 = the model's)", cxxopts::value<int>()->default_value("0"))
    ("step-size", "override the model's step size (0 = the model's)", cxxopts::value<float>()->default_value("0"))
    ("levels", "override the number of noise levels: geometric between the model's largest and smallest (0 = the model's)", cxxopts::value<int>()->default_value("0"))
    ("sampler", "sample with this sampler instead of the file's: langevin, annealed-langevin, reverse-diffusion, pc, ode (its options: --steps, --corrector-steps, --snr, --solver, --tolerance; the schedule spans the model's trained sigmas)", cxxopts::value<std::string>()->default_value(""))
    ("steps", "with --sampler: its steps (0 = its default)", cxxopts::value<int>()->default_value("0"))
    ("corrector-steps", "with --sampler pc: Langevin corrector steps per level (-1 = 1)", cxxopts::value<int>()->default_value("-1"))
    ("snr", "with --sampler pc: the corrector's signal-to-noise ratio (0 = 0.16)", cxxopts::value<float>()->default_value("0"))
    ("solver", "with --sampler ode: heun or rk45 (\"\" = heun)", cxxopts::value<std::string>()->default_value(""))
    ("tolerance", "with --solver rk45: its rtol and atol (0 = 1e-5)", cxxopts::value<double>()->default_value("0"))
    ("threads", "threads", cxxopts::value<size_t>()->default_value("2"))
    ("samples-out", "write the samples here (.safetensors, tensor \"samples\" n x 2)", cxxopts::value<std::string>()->default_value(""))
    ("strength", "held-out rows on which to measure the score's strength per level (0 = skip)", cxxopts::value<size_t>()->default_value("200"))
    ("log-prob", "images: also the model's log-likelihood (probability-flow ODE, 1 Hutchinson probe, the file's sigmas, 200 levels) of this many test images, dequantised, in bits per dimension (0 = skip)", cxxopts::value<size_t>()->default_value("0"))
    ("png", "write a picture here: 2-D, samples (blue) over held-out data (grey); images, a grid of the first 64 samples", cxxopts::value<std::string>()->default_value(""))
    ("h,help", "print this help");
  // clang-format on
  int exit_code = 0;
  const std::optional<cxxopts::ParseResult> parsed =
      sw::cli::Parse(cli, argc, argv, {"model", "data"}, &exit_code);
  if (!parsed) return exit_code;
  const cxxopts::ParseResult& args = *parsed;

  const size_t n = args["samples"].as<size_t>();
  sw::LoadedModel loaded;
  if (sw::Status s = sw::LoadScoreModelFile(args["model"].as<std::string>(), &loaded); !s.ok())
    return sw::cli::Fail("score-eval", s);
  const std::string data = args["data"].as<std::string>();
  const std::vector<std::string> image_sets = sw::ImageDatasetNames();
  const bool images = std::find(image_sets.begin(), image_sets.end(), data) != image_sets.end();
  if (!images && loaded.model->dim() != 2) {
    return sw::cli::Fail("score-eval", sw::InvalidArgument("a 2-D data set needs a 2-D model"));
  }
  sw::SamplerOptions options;
  if (const std::string sampler = args["sampler"].as<std::string>(); !sampler.empty()) {
    // The caller's request, resolved by the same rules as the package's sample().
    sw::SamplingRequest request;
    request.sampler = sampler;
    request.steps = args["steps"].as<int>();
    request.corrector_steps = args["corrector-steps"].as<int>();
    request.snr = args["snr"].as<float>();
    request.solver = args["solver"].as<std::string>();
    request.rtol = request.atol = args["tolerance"].as<double>();
    request.steps_per_level = args["steps-per-level"].as<int>();
    request.step_size = args["step-size"].as<float>();
    if (sw::Status s = sw::ResolveSamplerOptions(loaded.config_json, loaded.model->min_sigma(),
                                                 request, &options);
        !s.ok()) {
      return sw::cli::Fail("score-eval", s);
    }
    if (args["levels"].as<int>() > 0) {
      return sw::cli::Fail("score-eval", sw::InvalidArgument("--levels is for the file's sampler; "
                                                             "with --sampler use --steps"));
    }
  } else {
    // The file's settings, with the overrides.
    if (sw::Status s = sw::RecommendedSamplerOptions(loaded, &options); !s.ok())
      return sw::cli::Fail("score-eval", s);
    if (const int steps = args["steps-per-level"].as<int>(); steps > 0)
      options.steps_per_level = steps;
    if (const float step = args["step-size"].as<float>(); step > 0) options.step_size = step;
    if (const int levels = args["levels"].as<int>(); levels > 0) {
      const float largest = options.sigmas.front(), smallest = options.sigmas.back();
      if (sw::Status s = sw::GeometricSigmas(largest, smallest, levels, &options.sigmas); !s.ok())
        return sw::cli::Fail("score-eval", s);
    }
  }
  options.seed = args["seed"].as<uint64_t>();
  const size_t threads = args["threads"].as<size_t>();
  sw::ThreadPool pool(threads);
  std::vector<float> samples, held_out;
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<sw::SamplerRun> run;
  if (sw::Status s = sw::SamplerRun::Create(loaded.model.get(), n, options, &pool, 0, &run);
      !s.ok()) {
    return sw::cli::Fail("score-eval", s);
  }
  while (!run->done()) {
    if (sw::Status s = run->Step(1 << 20); !s.ok()) return sw::cli::Fail("score-eval", s);
  }
  samples = run->samples();
  std::printf("sampled %zu in %.1f s: %.1f network evaluations per sample (%zu levels%s)\n", n,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              run->evaluations(), options.sigmas.size(), options.denoise ? ", denoised" : "");
  if (const std::string path = args["samples-out"].as<std::string>(); !path.empty()) {
    sw::SafetensorsFile file;
    file.tensors.push_back(
        {"samples", {static_cast<int64_t>(n), static_cast<int64_t>(loaded.model->dim())}, samples});
    std::vector<uint8_t> bytes;
    if (sw::Status s = sw::WriteSafetensors(file, false, &bytes); !s.ok())
      return sw::cli::Fail("score-eval", s);
    if (sw::Status s = sw::WriteFileBytes(path, bytes); !s.ok())
      return sw::cli::Fail("score-eval", s);
  }
  sw::ImageDataset test;
  if (images) {
    if (sw::Status s = sw::LoadImageDataset(data, sw::DatasetSplit::kTest, &test); !s.ok())
      return sw::cli::Fail("score-eval", s);
  }
  if (const size_t rows = args["strength"].as<size_t>(); rows > 0) {
    if (sw::Status s = ReportScoreStrength(*loaded.model, options.sigmas, data,
                                           images ? &test : nullptr, rows, &pool);
        !s.ok()) {
      return sw::cli::Fail("score-eval", s);
    }
  }
  if (images) {
    if (const size_t count = args["log-prob"].as<size_t>(); count > 0) {
      if (sw::Status s = ReportBitsPerDim(loaded, test, std::min(count, test.count), &pool);
          !s.ok()) {
        return sw::cli::Fail("score-eval", s);
      }
    }
    return EvaluateImages(data, test, samples, n, threads, args["png"].as<std::string>());
  }
  if (sw::Status s = sw::MakeToy2d(data, n, kHeldOutSeed, &held_out); !s.ok())
    return sw::cli::Fail("score-eval", s);
  double floor = 0;
  if (sw::Status s = sw::EnergyDistanceNoiseFloor(
          held_out.data(), n, 2, sw::kNoiseFloorDraws,
          [&](int k, std::vector<float>* points) {
            return sw::MakeToy2d(data, n, kSecondDrawSeed + k, points);
          },
          &pool, &floor);
      !s.ok())
    return sw::cli::Fail("score-eval", s);

  const double model = sw::EnergyDistance(samples.data(), n, held_out.data(), n, 2, &pool);
  std::printf(
      "%s: energy distance samples vs held-out %.3g, noise floor (mean |ED| of %d independent "
      "data draws vs held-out) %.3g, ratio %.2f (n = %zu; %zu levels, %.0f network evaluations "
      "per sample%s)\n",
      data.c_str(), model, sw::kNoiseFloorDraws, floor, model / floor, n, options.sigmas.size(),
      run->evaluations(), options.denoise ? ", denoised" : "");
  if (const std::string path = args["png"].as<std::string>(); !path.empty()) {
    if (sw::Status s = sw::WritePng(path, Scatter(held_out, samples)); !s.ok())
      return sw::cli::Fail("score-eval", s);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return sw::cli::Main("score-eval", Run, argc, argv); }
