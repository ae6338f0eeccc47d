// Samplers on the exact mixture score: NCSN's Figure 3 (annealing recovers mode weights that plain
// Langevin does not), stationary moments on a Gaussian, determinism, and option validation.
#include "samplers/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"

namespace sw {
namespace {

std::unique_ptr<GaussianMixture> TwoModes() {
  std::unique_ptr<GaussianMixture> gmm;
  EXPECT_TRUE(GaussianMixture::Create({0.2f, 0.8f}, {-5, -5, 5, 5}, {1, 1}, 2, &gmm).ok());
  return gmm;
}

// Fraction of 2-D samples nearer the mode at (-5, -5) than the one at (5, 5).
double SmallModeFraction(const std::vector<float>& x) {
  size_t count = 0;
  for (size_t i = 0; i < x.size(); i += 2) count += x[i] + x[i + 1] < 0;
  return count / (x.size() / 2.0);
}

SamplerOptions Annealed() {
  SamplerOptions o;
  o.kind = SamplerKind::kAnnealedLangevin;
  EXPECT_TRUE(GeometricSigmas(20, 1, 10, &o.sigmas).ok());
  o.steps_per_level = 100;
  o.step_size = 0.1f;
  o.seed = 7;
  return o;
}

TEST(Sampler, AnnealedLangevinRecoversModeWeightsPlainLangevinDoesNot) {
  auto gmm = TwoModes();
  ThreadPool pool(2);
  const size_t n = 10000;
  const double tolerance = 5 * std::sqrt(0.2 * 0.8 / n);  // 5 standard errors of a proportion
  std::vector<float> annealed;
  ASSERT_TRUE(Sample(*gmm, n, Annealed(), &pool, 0, &annealed).ok());
  EXPECT_NEAR(SmallModeFraction(annealed), 0.2, tolerance);
  // Each mode's samples follow the mixture perturbed at the last level, sigma_L = 1: mean at the
  // mode, variance 1 + sigma_L^2 = 2 per coordinate, times 1 / (1 - eps' / (2 v)), the stationary
  // bias of unadjusted Langevin with effective step eps' = alpha_L / 2 = 0.05.
  double sum = 0, sum2 = 0, count = 0;
  for (size_t i = 0; i < annealed.size(); i += 2) {
    if (annealed[i] + annealed[i + 1] > 0) {
      sum += annealed[i] - 5;
      sum2 += (annealed[i] - 5.0) * (annealed[i] - 5.0);
      ++count;
    }
  }
  EXPECT_NEAR(sum / count, 0.0, 5 / std::sqrt(count) + 0.02);
  EXPECT_NEAR(sum2 / count, 2.0 / (1 - 0.05 / 4), 5 * 2 * std::sqrt(2 / count));

  SamplerOptions plain;
  plain.kind = SamplerKind::kLangevin;
  plain.sigmas = {0};
  plain.steps_per_level = 1000;
  plain.step_size = 0.1f;
  plain.init = InitKind::kUniform;
  plain.uniform_lo = -8;
  plain.uniform_hi = 8;
  plain.seed = 7;
  std::vector<float> langevin;
  ASSERT_TRUE(Sample(*gmm, n, plain, &pool, 0, &langevin).ok());
  // The chains stay in the basin they start in: about half of the uniform box lies on each side.
  EXPECT_NEAR(SmallModeFraction(langevin), 0.5, 0.05);
  EXPECT_GT(std::fabs(SmallModeFraction(langevin) - 0.2), 10 * tolerance);
}

TEST(Sampler, LangevinOnAGaussianHasItsMoments) {
  std::unique_ptr<GaussianMixture> g;
  ASSERT_TRUE(GaussianMixture::Create({1}, {2}, {1.5f}, 1, &g).ok());
  SamplerOptions o;
  o.kind = SamplerKind::kLangevin;
  o.sigmas = {0.5f};  // target N(2, 1.5^2 + 0.5^2)
  o.steps_per_level = 2000;
  o.step_size = 0.01f;
  o.seed = 3;
  const size_t n = 20000;
  std::vector<float> x;
  ASSERT_TRUE(Sample(*g, n, o, nullptr, 0, &x).ok());
  double sum = 0, sum2 = 0;
  for (float v : x) {
    sum += v;
    sum2 += double{v} * v;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean, v = 2.25 + 0.25;
  // Unadjusted Langevin's stationary variance is v / (1 - eps / (2 v)) for a Gaussian target.
  const double expected_var = v / (1 - 0.01 / (2 * v));
  EXPECT_NEAR(mean, 2.0, 5 * std::sqrt(v / n));
  EXPECT_NEAR(var, expected_var, 5 * v * std::sqrt(2.0 / n));
}

TEST(Sampler, SameSeedIsBitIdenticalForAnyThreadCount) {
  auto gmm = TwoModes();
  SamplerOptions o = Annealed();
  o.steps_per_level = 10;
  o.denoise = true;
  std::vector<float> serial, one, two, again;
  ThreadPool pool(2), pool3(3);
  ASSERT_TRUE(Sample(*gmm, 1000, o, nullptr, 0, &serial).ok());
  ASSERT_TRUE(Sample(*gmm, 1000, o, &pool, 1, &one).ok());
  ASSERT_TRUE(Sample(*gmm, 1000, o, &pool, 2, &two).ok());
  ASSERT_TRUE(Sample(*gmm, 1000, o, &pool3, 0, &again).ok());
  EXPECT_EQ(serial, one);
  EXPECT_EQ(serial, two);
  EXPECT_EQ(serial, again);
  o.seed = 8;
  std::vector<float> other;
  ASSERT_TRUE(Sample(*gmm, 1000, o, &pool, 2, &other).ok());
  EXPECT_NE(serial, other);
}

TEST(Sampler, StepsReportProgressAndDenoiseIsTheLastStep) {
  auto gmm = TwoModes();
  SamplerOptions o = Annealed();
  o.steps_per_level = 3;
  o.denoise = true;
  std::unique_ptr<SamplerRun> run;
  ASSERT_TRUE(SamplerRun::Create(gmm.get(), 5, o, nullptr, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 31);
  EXPECT_EQ(run->level(), 0);
  ASSERT_TRUE(run->Step(4).ok());
  EXPECT_EQ(run->steps_done(), 4);
  EXPECT_EQ(run->level(), 1);
  ASSERT_TRUE(run->Step(26).ok());
  EXPECT_FALSE(run->done());
  // The final denoising step is x + sigma_L^2 s(x, sigma_L), with no noise.
  std::vector<float> before = run->samples(), score(before.size());
  ScoreRowsAt(*gmm, before.data(), 5, 1.0f, score.data());
  ASSERT_TRUE(run->Step(100).ok());
  EXPECT_TRUE(run->done());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_FLOAT_EQ(run->samples()[i], before[i] + score[i]);
}

TEST(Sampler, GivenStartPointsAreUsed) {
  auto gmm = TwoModes();
  SamplerOptions o;
  o.kind = SamplerKind::kLangevin;
  o.sigmas = {0};
  o.steps_per_level = 1;
  o.step_size = 1e-30f;  // a step that cannot move the points visibly
  o.init = InitKind::kGiven;
  o.init_points = {1, 2, 3, 4};
  std::vector<float> x;
  ASSERT_TRUE(Sample(*gmm, 2, o, nullptr, 0, &x).ok());
  EXPECT_EQ(x, o.init_points);
}

TEST(Sampler, RejectsBadOptionsWithClearErrors) {
  auto gmm = TwoModes();
  std::unique_ptr<SamplerRun> run;
  auto check = [&](SamplerOptions o, size_t n, const char* what) {
    Status s = SamplerRun::Create(gmm.get(), n, o, nullptr, 0, &run);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << what;
    EXPECT_FALSE(s.message().empty());
    EXPECT_EQ(run, nullptr) << what;
  };
  check(Annealed(), 0, "n = 0");
  SamplerOptions o = Annealed();
  o.sigmas = {};
  check(o, 10, "empty sigmas");
  o.sigmas = {1, 2};
  check(o, 10, "increasing sigmas");
  o.sigmas = {2, 2};
  check(o, 10, "repeated sigma");
  o.sigmas = {NAN};
  check(o, 10, "NaN sigma");
  o.sigmas = {1, 0};
  check(o, 10, "annealed needs sigma > 0");
  o = Annealed();
  o.steps_per_level = 0;
  check(o, 10, "no steps");
  o = Annealed();
  o.step_size = -1;
  check(o, 10, "negative step");
  o.step_size = INFINITY;
  check(o, 10, "infinite step");
  o = Annealed();
  o.kind = SamplerKind::kLangevin;
  check(o, 10, "langevin with several levels");
  o = Annealed();
  o.init = InitKind::kUniform;
  o.uniform_lo = 1;
  o.uniform_hi = 1;
  check(o, 10, "empty box");
  o = Annealed();
  o.init = InitKind::kGiven;
  o.init_points = {1, 2, 3};
  check(o, 2, "wrong start length");
  o.init_points = {1, 2, NAN, 4};
  check(o, 2, "NaN start");
  o = Annealed();
  o.kind = static_cast<SamplerKind>(9);
  check(o, 2, "unknown kind");
  check(Annealed(), size_t{1} << 30, "too many samples");
}

TEST(Sampler, DivergenceIsReportedAndLeavesTheSamplesFinite) {
  auto gmm = TwoModes();
  SamplerOptions o = Annealed();
  o.step_size = 1e30f;
  std::unique_ptr<SamplerRun> run;
  ASSERT_TRUE(SamplerRun::Create(gmm.get(), 10, o, nullptr, 0, &run).ok());
  Status s = run->Step(50);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("diverged"), std::string::npos);
  for (float v : run->samples()) EXPECT_TRUE(std::isfinite(v));
}

TEST(GeometricSigmas, SpansMaxToMinGeometrically) {
  std::vector<float> s;
  ASSERT_TRUE(GeometricSigmas(20, 1, 10, &s).ok());
  ASSERT_EQ(s.size(), 10u);
  EXPECT_FLOAT_EQ(s.front(), 20);
  EXPECT_FLOAT_EQ(s.back(), 1);
  for (size_t i = 1; i + 1 < s.size(); ++i)
    EXPECT_NEAR(s[i] * s[i], s[i - 1] * s[i + 1], 1e-3 * s[i] * s[i]);
  ASSERT_TRUE(GeometricSigmas(3, 3, 1, &s).ok());
  EXPECT_EQ(s, std::vector<float>{3});
  EXPECT_FALSE(GeometricSigmas(1, 20, 10, &s).ok());
  EXPECT_FALSE(GeometricSigmas(20, 0, 10, &s).ok());
  EXPECT_FALSE(GeometricSigmas(20, 1, 0, &s).ok());
  EXPECT_FALSE(GeometricSigmas(20, 20, 3, &s).ok());
}

}  // namespace
}  // namespace sw
