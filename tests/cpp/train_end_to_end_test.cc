// End to end: DSM training of a small NCSN MLP on samples of a 2-D Gaussian mixture learns a score
// close to the mixture's exact perturbed score, far closer than the initial network.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "models/architectures.h"
#include "models/gaussian_mixture.h"
#include "models/trainable_network.h"
#include "samplers/sampler.h"
#include "train/trainer.h"

namespace sw {
namespace {

constexpr int kSteps = 800;  // well under a second natively, a few seconds in WASM

struct Mixture {
  std::vector<float> weights = {0.2f, 0.8f};
  std::vector<float> means = {-2.0f, -1.0f, 2.0f, 1.5f};
  std::vector<float> stds = {0.4f, 0.6f};
};

// n samples of the mixture, plus sigma · N(0, I) noise.
std::vector<float> Sample(const Mixture& m, size_t n, float sigma, uint64_t seed) {
  std::vector<float> x(n * 2), u(n), z(n * 2), noise(n * 2);
  FillUniform(seed, RandomStream::kLangevinNoise, 0, 0.0f, 1.0f, u.data(), n);
  FillNormal(seed, RandomStream::kLangevinNoise, 1, 0, z.data(), z.size());
  FillNormal(seed, RandomStream::kLangevinNoise, 2, 0, noise.data(), noise.size());
  for (size_t i = 0; i < n; ++i) {
    const size_t k = u[i] < m.weights[0] ? 0 : 1;
    for (size_t d = 0; d < 2; ++d) {
      x[2 * i + d] = m.means[2 * k + d] + m.stds[k] * z[2 * i + d] + sigma * noise[2 * i + d];
    }
  }
  return x;
}

// E_{x ~ p_σ} σ² ||s_θ(x, σ) − ∇log p_σ(x)||², averaged over the trained levels.
double WeightedScoreError(const TrainableNetwork& network, const GaussianMixture& exact,
                          const Mixture& m) {
  SafetensorsFile file;
  EXPECT_TRUE(network.ToSafetensors(&file).ok());
  std::unique_ptr<NcsnMlp> model;
  EXPECT_TRUE(NcsnMlp::FromSafetensors(file, &model).ok());
  double total = 0.0;
  const std::vector<float>& sigmas = network.sigmas();
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const size_t n = 1000;
    const std::vector<float> x = Sample(m, n, sigmas[i], 1000 + i);
    std::vector<float> learned(n * 2), truth(n * 2);
    ScoreRowsAt(*model, x.data(), n, sigmas[i], learned.data());
    ScoreRowsAt(exact, x.data(), n, sigmas[i], truth.data());
    double error = 0.0;
    for (size_t k = 0; k < n * 2; ++k) {
      const double e = sigmas[i] * (learned[k] - truth[k]);
      error += e * e;
    }
    total += error / n;
  }
  return total / sigmas.size();
}

// The DSM loss ½ E ||σ s(x̃) + z||² of the exact score, averaged over the levels: the floor a
// trained network's loss approaches (the loss is this plus the σ²-weighted score error).
double ExactScoreDsmLoss(const GaussianMixture& exact, const Mixture& m,
                         const std::vector<float>& sigmas) {
  double total = 0.0;
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const size_t n = 20000;
    const std::vector<float> clean = Sample(m, n, 0.0f, 2000 + i);
    std::vector<float> z(n * 2), x(n * 2), s(n * 2);
    FillNormal(3000 + i, RandomStream::kLangevinNoise, 0, 0, z.data(), z.size());
    for (size_t k = 0; k < n * 2; ++k) x[k] = clean[k] + sigmas[i] * z[k];
    ScoreRowsAt(exact, x.data(), n, sigmas[i], s.data());
    double loss = 0.0;
    for (size_t k = 0; k < n * 2; ++k) {
      const double e = sigmas[i] * s[k] + z[k];
      loss += 0.5 * e * e;
    }
    total += loss / n;
  }
  return total / sigmas.size();
}

TEST(TrainEndToEndTest, DsmLearnsTheMixtureScore) {
  const Mixture m;
  std::unique_ptr<GaussianMixture> exact;
  ASSERT_TRUE(GaussianMixture::Create(m.weights, m.means, m.stds, 2, &exact).ok());

  NcsnMlpConfig config;
  config.dim = 2;
  config.hidden = {64, 64};
  config.sigma_embedding_freqs = 8;
  ASSERT_TRUE(GeometricSigmas(3.0f, 0.1f, 6, &config.sigmas).ok());
  NcsnMlpWeights weights;
  ASSERT_TRUE(InitNcsnMlpWeights(config, 7, &weights).ok());
  std::unique_ptr<TrainableNetwork> initial;
  ASSERT_TRUE(MakeTrainableNcsnMlp(weights, &initial).ok());

  TrainOptions options;
  options.objective = TrainObjective::kDsm;
  options.batch_size = 128;
  options.lr = 3e-3;
  options.grad_clip = 10.0;
  options.ema_decay = 0.99;
  options.seed = 3;
  options.threads = 2;
  std::unique_ptr<Trainer> trainer;
  ASSERT_TRUE(Trainer::Create(initial->Clone(), Sample(m, 4000, 0.0f, 5), options, &trainer).ok());

  const double initial_error = WeightedScoreError(*initial, *exact, m);
  ASSERT_TRUE(trainer->Step(10).ok());
  const double early_loss = trainer->loss();
  ASSERT_TRUE(trainer->Step(kSteps - 60).ok());
  ASSERT_TRUE(trainer->Step(50).ok());
  const double late_loss = trainer->loss();
  const double trained_error = WeightedScoreError(trainer->Network(), *exact, m);
  const double ema_error = WeightedScoreError(trainer->EmaNetwork(), *exact, m);
  const double floor = ExactScoreDsmLoss(*exact, m, config.sigmas);
  std::printf(
      "score error sigma^2 ||s - s*||^2: initial %.4f, trained %.4f, ema %.4f; "
      "loss %.4f -> %.4f (exact score: %.4f)\n",
      initial_error, trained_error, ema_error, early_loss, late_loss, floor);
  EXPECT_LT(late_loss, early_loss);
  // Most of the gap to the exact score's loss is closed (batch noise remains in the last steps).
  EXPECT_LT(late_loss - floor, 0.25 * (early_loss - floor));
  EXPECT_LT(ema_error, 0.05);
  EXPECT_LT(ema_error, initial_error / 10);
  EXPECT_LT(trained_error, initial_error / 10);
}

}  // namespace
}  // namespace sw
