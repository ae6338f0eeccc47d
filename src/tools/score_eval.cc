// score-eval: samples a 2-D model with the settings stored in its file and compares the samples
// with held-out data by the energy distance, next to the same statistic between two independent
// draws of the data (the noise floor of the comparison at this sample size).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "data/toy2d.h"
#include "eval/energy_distance.h"
#include "io/png.h"
#include "io/safetensors.h"
#include "models/model_file.h"
#include "samplers/sampler.h"
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

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options cli(
      "score-eval",
      "Samples a 2-D score model with its own sampling settings and reports the energy "
      "distance to held-out data next to the noise floor.");
  // clang-format off
  cli.add_options()
    ("model", "model file (.safetensors)", cxxopts::value<std::string>())
    ("data", "data set the model was trained on: moons, swiss-roll, rings, checkerboard, two-modes", cxxopts::value<std::string>())
    ("samples", "samples and held-out points", cxxopts::value<size_t>()->default_value("10000"))
    ("seed", "sampling seed", cxxopts::value<uint64_t>()->default_value("1"))
    ("threads", "threads", cxxopts::value<size_t>()->default_value("2"))
    ("samples-out", "write the samples here (.safetensors, tensor \"samples\" n x 2)", cxxopts::value<std::string>()->default_value(""))
    ("png", "write a scatter plot of samples (blue) over held-out data (grey) here", cxxopts::value<std::string>()->default_value(""))
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
  if (loaded.model->dim() != 2)
    return sw::cli::Fail("score-eval", sw::InvalidArgument("score-eval compares 2-D models only"));
  sw::SamplerOptions options;
  if (sw::Status s = sw::RecommendedSamplerOptions(loaded, &options); !s.ok())
    return sw::cli::Fail("score-eval", s);
  options.seed = args["seed"].as<uint64_t>();
  sw::ThreadPool pool(args["threads"].as<size_t>());
  std::vector<float> samples, held_out, second_draw;
  if (sw::Status s = sw::Sample(*loaded.model, n, options, &pool, 0, &samples); !s.ok())
    return sw::cli::Fail("score-eval", s);
  const std::string data = args["data"].as<std::string>();
  if (sw::Status s = sw::MakeToy2d(data, n, kHeldOutSeed, &held_out); !s.ok())
    return sw::cli::Fail("score-eval", s);
  if (sw::Status s = sw::MakeToy2d(data, n, kSecondDrawSeed, &second_draw); !s.ok())
    return sw::cli::Fail("score-eval", s);

  const double model = sw::EnergyDistance(samples.data(), n, held_out.data(), n, 2, &pool);
  const double floor = sw::EnergyDistance(second_draw.data(), n, held_out.data(), n, 2, &pool);
  std::printf(
      "%s: energy distance samples vs held-out %.3g, data vs data (noise floor) %.3g, ratio %.2f "
      "(n = %zu; %zu levels x %d steps, step size %.3g%s)\n",
      data.c_str(), model, floor, model / floor, n, options.sigmas.size(), options.steps_per_level,
      options.step_size, options.denoise ? ", denoised" : "");
  if (const std::string path = args["png"].as<std::string>(); !path.empty()) {
    if (sw::Status s = sw::WritePng(path, Scatter(held_out, samples)); !s.ok())
      return sw::cli::Fail("score-eval", s);
  }
  if (const std::string path = args["samples-out"].as<std::string>(); !path.empty()) {
    sw::SafetensorsFile file;
    file.tensors.push_back({"samples", {static_cast<int64_t>(n), 2}, samples});
    std::vector<uint8_t> bytes;
    if (sw::Status s = sw::WriteSafetensors(file, false, &bytes); !s.ok())
      return sw::cli::Fail("score-eval", s);
    if (sw::Status s = sw::WriteFileBytes(path, bytes); !s.ok())
      return sw::cli::Fail("score-eval", s);
  }
  return 0;
}
