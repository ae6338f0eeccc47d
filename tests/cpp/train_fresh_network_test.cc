// MakeFreshNetwork and TrainedModelFile, the start and end of every training run (score-train and
// the package's trainModel): the noise levels and sampling defaults come from the data as
// train/noise_schedule.h chooses them, a bad request is INVALID_ARGUMENT, and the model file of a
// trained network loads and scores exactly as the network it was written from.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "models/model_file.h"
#include "models/score_model.h"
#include "samplers/sampler.h"
#include "train/fresh_network.h"
#include "train/trainer.h"

namespace sw {
namespace {

// Two clusters of 2-D points, 3 apart.
std::vector<float> Points(size_t n) {
  std::vector<float> data(n * 2);
  FillNormal(5, RandomStream::kLangevinNoise, 0, 0, data.data(), data.size());
  for (size_t i = 0; i < n; ++i) data[2 * i] = 0.2f * data[2 * i] + (i % 2 == 0 ? 1.5f : -1.5f);
  return data;
}

FreshNetworkSpec SmallSpec() {
  FreshNetworkSpec spec;
  spec.widths = {16, 16};
  spec.sigma_embedding_freqs = 4;
  spec.sigma_min = 0.05f;
  spec.steps_per_level = 20;
  spec.step_size_scale = 1.5f;
  spec.seed = 3;
  return spec;
}

TEST(FreshNetworkTest, LevelsAndSamplingComeFromTheData) {
  const std::vector<float> data = Points(200);
  FreshNetwork fresh;
  ASSERT_TRUE(MakeFreshNetwork(data, 2, SmallSpec(), &fresh).ok());
  NoiseScheduleChoice schedule;
  ASSERT_TRUE(ChooseNoiseSchedule(data, 2, 0.05f, 20, &schedule).ok());
  std::vector<float> sigmas;
  ASSERT_TRUE(
      GeometricSigmas(schedule.sigma_max, schedule.sigma_min, schedule.levels, &sigmas).ok());
  EXPECT_EQ(fresh.network->sigmas(), sigmas);
  EXPECT_EQ(fresh.network->dim(), 2u);
  EXPECT_EQ(fresh.sampling.sampler, "annealed-langevin");
  EXPECT_EQ(fresh.sampling.steps_per_level, 20);
  EXPECT_FLOAT_EQ(static_cast<float>(fresh.sampling.step_size), schedule.step_size * 1.5f);
  EXPECT_TRUE(fresh.sampling.denoise);

  EXPECT_EQ(fresh.sampling.steps, 0);

  FreshNetworkSpec ode = SmallSpec();
  ode.sampler = "ode";
  ode.sampler_steps = 30;
  ASSERT_TRUE(MakeFreshNetwork(data, 2, ode, &fresh).ok());
  EXPECT_EQ(fresh.sampling.sampler, "ode");
  EXPECT_EQ(fresh.sampling.steps, 30);
  EXPECT_EQ(fresh.sampling.steps_per_level, 20);  // annealed Langevin's advice stays
  EXPECT_EQ(fresh.sampling.snr, 0.0);

  FreshNetworkSpec pc = SmallSpec();
  pc.sampler = "pc";
  pc.sampler_steps = 49;
  pc.sampler_snr = 0.3;
  ASSERT_TRUE(MakeFreshNetwork(data, 2, pc, &fresh).ok());
  EXPECT_EQ(fresh.sampling.sampler, "pc");
  EXPECT_EQ(fresh.sampling.snr, 0.3);

  FreshNetworkSpec fixed = SmallSpec();
  fixed.levels = 5;
  ASSERT_TRUE(MakeFreshNetwork(data, 2, fixed, &fresh).ok());
  EXPECT_EQ(fresh.network->sigmas().size(), 5u);
}

TEST(FreshNetworkTest, BadRequestsAreInvalidArguments) {
  const std::vector<float> data = Points(50);
  FreshNetwork fresh;
  FreshNetworkSpec zero_width = SmallSpec();
  zero_width.widths = {16, 0};
  FreshNetworkSpec bad_scale = SmallSpec();
  bad_scale.step_size_scale = 0;
  FreshNetworkSpec bad_sigma = SmallSpec();
  bad_sigma.sigma_min = 100;  // above the data's spread
  FreshNetworkSpec not_an_image = SmallSpec();
  not_an_image.image_height = 28;
  not_an_image.image_width = 28;
  FreshNetworkSpec plain_langevin = SmallSpec();
  plain_langevin.sampler = "langevin";
  FreshNetworkSpec annealed_steps = SmallSpec();
  annealed_steps.sampler_steps = 30;
  FreshNetworkSpec ode_snr = SmallSpec();  // the snr is the pc corrector's
  ode_snr.sampler = "ode";
  ode_snr.sampler_snr = 0.3;
  FreshNetworkSpec negative_snr = SmallSpec();
  negative_snr.sampler = "pc";
  negative_snr.sampler_snr = -0.3;
  FreshNetworkSpec nan_snr = negative_snr;
  nan_snr.sampler_snr = std::nan("");
  for (const FreshNetworkSpec& spec :
       {zero_width, bad_scale, bad_sigma, not_an_image, plain_langevin, annealed_steps, ode_snr,
        negative_snr, nan_snr}) {
    const Status s = MakeFreshNetwork(data, 2, spec, &fresh);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  }
  EXPECT_EQ(MakeFreshNetwork(std::vector<float>{1, 2}, 2, SmallSpec(), &fresh).code(),
            StatusCode::kInvalidArgument);  // one point: no spread to choose σ_max from
  EXPECT_EQ(fresh.network, nullptr);
}

TEST(FreshNetworkTest, TheTrainedModelFileScoresAsTheNetwork) {
  const std::vector<float> data = Points(300);
  FreshNetwork fresh;
  ASSERT_TRUE(MakeFreshNetwork(data, 2, SmallSpec(), &fresh).ok());
  TrainOptions options;
  options.batch_size = 64;
  options.ema_decay = 0.9;
  std::unique_ptr<Trainer> trainer;
  ASSERT_TRUE(Trainer::Create(std::move(fresh.network), data, options, &trainer).ok());
  ASSERT_TRUE(trainer->Step(20).ok());

  SamplingDefaults sampling = fresh.sampling;
  sampling.steps_per_level = 7;  // the file carries the caller's defaults
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(TrainedModelFile(trainer->EmaNetwork(), sampling, false, &bytes).ok());
  LoadedModel loaded;
  ASSERT_TRUE(LoadScoreModel(bytes.data(), bytes.size(), &loaded).ok());
  EXPECT_EQ(loaded.architecture, "ncsn-mlp");
  EXPECT_NE(loaded.config_json.find("\"steps_per_level\":7"), std::string::npos)
      << loaded.config_json;

  // The EMA network's own forward pass against the loaded file's, at one σ per row.
  const size_t rows = 6;
  const std::vector<float> x(data.begin(), data.begin() + 2 * rows);
  const float sigma = trainer->EmaNetwork().sigmas()[1];
  std::vector<float> sigma_rows(rows, sigma), expected(2 * rows), actual(2 * rows);
  trainer->EmaNetwork().NewTape()->Forward(x.data(), sigma_rows.data(), rows, expected.data());
  ASSERT_TRUE(ScoreBatch(*loaded.model, x.data(), rows, sigma, actual.data(), nullptr, 0).ok());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-5f * (1 + std::abs(expected[i])));
}

}  // namespace
}  // namespace sw
