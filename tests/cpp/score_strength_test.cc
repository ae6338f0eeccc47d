// eval/score_strength against the exact score of a Gaussian, whose pull and recovered fraction are
// both sigma^2 / (s^2 + sigma^2) for data of variance s^2, and against a deliberately weakened
// copy.
#include "eval/score_strength.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"

namespace sw {
namespace {

constexpr size_t kDim = 50, kRows = 400;
constexpr float kStd = 0.5f;

// The exact score times `factor`: a stand-in for a learned score that pulls too weakly.
class ScaledScore : public ScoreModel {
 public:
  ScaledScore(const ScoreModel& base, float factor) : base_(base), factor_(factor) {}
  size_t dim() const override { return base_.dim(); }
  float min_sigma() const override { return base_.min_sigma(); }
  uint64_t scratch_bytes_per_thread() const override { return base_.scratch_bytes_per_thread(); }
  void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const override {
    base_.ScoreRows(x, n, sigma, out);
    for (size_t i = 0; i < n * dim(); ++i) out[i] *= factor_;
  }
  void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                    float* out) const override {
    base_.ScoreVjpRows(x, n, sigma, v, out);
    for (size_t i = 0; i < n * dim(); ++i) out[i] *= factor_;
  }

 private:
  const ScoreModel& base_;
  float factor_;
};

class ScoreStrengthTest : public testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    std::vector<float> mean(kDim);
    for (float& m : mean) m = normal(rng);
    ASSERT_TRUE(GaussianMixture::Create({1.0f}, mean, {kStd}, kDim, &gaussian_).ok());
    data_.resize(kRows * kDim);
    for (size_t i = 0; i < data_.size(); ++i) data_[i] = mean[i % kDim] + kStd * normal(rng);
  }
  std::unique_ptr<GaussianMixture> gaussian_;
  std::vector<float> data_;
  const std::vector<float> sigmas_ = {4.0f, 1.0f, 0.5f, 0.1f, 0.02f};
};

TEST_F(ScoreStrengthTest, ExactGaussianScoreGivesSigmaSquaredOverTotalVariance) {
  std::vector<ScoreStrength> levels;
  ASSERT_TRUE(
      MeasureScoreStrength(*gaussian_, data_.data(), kRows, sigmas_, 7, nullptr, &levels).ok());
  ASSERT_EQ(levels.size(), sigmas_.size());
  for (const ScoreStrength& l : levels) {
    const double sigma = l.sigma, s2 = double(kStd) * kStd;
    const double expected = sigma * sigma / (s2 + sigma * sigma);
    // The score is linear, so the finite-difference slope is exact up to float rounding.
    EXPECT_NEAR(l.pull, expected, 1e-3) << "sigma " << sigma;
    // recovered = expected + sigma <x - mean, z> / ((s^2 + sigma^2) |z|^2): zero-mean noise with
    // standard error sigma s / ((s^2 + sigma^2) sqrt(rows dim)); allow 5 of them.
    const double se = sigma * kStd / ((s2 + sigma * sigma) * std::sqrt(double(kRows * kDim)));
    EXPECT_NEAR(l.recovered, expected, 5 * se) << "sigma " << sigma;
  }
  EXPECT_NE(FormatScoreStrength(levels).find("pull"), std::string::npos);
}

TEST_F(ScoreStrengthTest, AWeakerScoreMeasuresProportionallyWeaker) {
  const ScaledScore half(*gaussian_, 0.5f);
  std::vector<ScoreStrength> exact, weak;
  ASSERT_TRUE(
      MeasureScoreStrength(*gaussian_, data_.data(), kRows, sigmas_, 7, nullptr, &exact).ok());
  ASSERT_TRUE(MeasureScoreStrength(half, data_.data(), kRows, sigmas_, 7, nullptr, &weak).ok());
  for (size_t i = 0; i < sigmas_.size(); ++i) {
    EXPECT_NEAR(weak[i].pull, 0.5 * exact[i].pull, 1e-3 * exact[i].pull);
    EXPECT_NEAR(weak[i].recovered, 0.5 * exact[i].recovered, 1e-5);
  }
}

TEST_F(ScoreStrengthTest, ResultDoesNotDependOnTheThreadCount) {
  std::vector<ScoreStrength> inline_run, pooled;
  ASSERT_TRUE(
      MeasureScoreStrength(*gaussian_, data_.data(), kRows, sigmas_, 9, nullptr, &inline_run).ok());
  ThreadPool pool(3);
  ASSERT_TRUE(
      MeasureScoreStrength(*gaussian_, data_.data(), kRows, sigmas_, 9, &pool, &pooled).ok());
  for (size_t i = 0; i < sigmas_.size(); ++i) {
    EXPECT_EQ(inline_run[i].pull, pooled[i].pull);
    EXPECT_EQ(inline_run[i].recovered, pooled[i].recovered);
  }
}

TEST_F(ScoreStrengthTest, BadInputIsRejectedAndLeavesTheOutputAlone) {
  const std::vector<ScoreStrength> sentinel = {{1.0f, 2.0, 3.0}};
  std::vector<ScoreStrength> out = sentinel;
  const auto expect_rejected = [&](const float* data, size_t n, const std::vector<float>& sigmas) {
    const Status status = MeasureScoreStrength(*gaussian_, data, n, sigmas, 1, nullptr, &out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].pull, 2.0);
  };
  expect_rejected(data_.data(), 0, sigmas_);
  expect_rejected(nullptr, kRows, sigmas_);
  expect_rejected(data_.data(), kRows, {});
  expect_rejected(data_.data(), kRows, {1.0f, 0.0f});
  expect_rejected(data_.data(), kRows, {-1.0f});
  expect_rejected(data_.data(), kRows, {NAN});
  expect_rejected(data_.data(), kRows, {INFINITY});
  std::vector<float> bad = data_;
  bad[17] = NAN;
  expect_rejected(bad.data(), kRows, sigmas_);
  EXPECT_EQ(
      MeasureScoreStrength(*gaussian_, data_.data(), kRows, sigmas_, 1, nullptr, nullptr).code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sw
