// NCSNv2's noise-schedule techniques: the largest distance against brute force, gamma and eps
// plugged back into their equations, eps against the paper's released settings, and the whole
// choice on toy data.
#include "train/noise_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "data/toy2d.h"

namespace sw {
namespace {

constexpr double kPi = 3.14159265358979;

double BruteForceLargestDistance(const std::vector<float>& x, size_t dim) {
  const size_t n = x.size() / dim;
  double best = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < dim; ++k) {
        const double d = double(x[i * dim + k]) - x[j * dim + k];
        s += d * d;
      }
      best = std::max(best, std::sqrt(s));
    }
  }
  return best;
}

std::vector<float> Normals(size_t n, size_t dim, uint64_t seed) {
  std::vector<float> x(n * dim);
  for (size_t i = 0; i < n; ++i) {
    FillNormal(seed, RandomStream::kInit, i, 0, x.data() + i * dim, dim);
  }
  return x;
}

TEST(NoiseSchedule, LargestDistanceMatchesBruteForce) {
  for (size_t dim : {1, 2, 3, 7, 16}) {
    for (size_t n : {2, 3, 10, 101}) {
      const std::vector<float> x = Normals(n, dim, 5 + dim);
      EXPECT_NEAR(LargestPairwiseDistance(x.data(), n, dim), BruteForceLargestDistance(x, dim),
                  1e-9)
          << "n " << n << " dim " << dim;
    }
  }
  EXPECT_EQ(LargestPairwiseDistance(nullptr, 0, 2), 0.0);
  const float one[2] = {3, 4};
  EXPECT_EQ(LargestPairwiseDistance(one, 1, 2), 0.0);
}

TEST(NoiseSchedule, LargestDistanceOfKnownConfigurations) {
  // Corners of the unit cube in 3-D: the diagonal sqrt(3).
  std::vector<float> cube;
  for (int c = 0; c < 8; ++c) {
    for (int k = 0; k < 3; ++k) cube.push_back(float((c >> k) & 1));
  }
  EXPECT_NEAR(LargestPairwiseDistance(cube.data(), 8, 3), std::sqrt(3.0), 1e-12);
  // 12 points on a circle of radius 2: the diameter 4.
  std::vector<float> circle;
  for (int k = 0; k < 12; ++k) {
    circle.push_back(float(2 * std::cos(k * kPi / 6)));
    circle.push_back(float(2 * std::sin(k * kPi / 6)));
  }
  EXPECT_NEAR(LargestPairwiseDistance(circle.data(), 12, 2), 4.0, 1e-5);
  // Identical points: 0.
  const std::vector<float> same(20, 1.5f);
  EXPECT_EQ(LargestPairwiseDistance(same.data(), 10, 2), 0.0);
}

TEST(NoiseSchedule, SubsampledDistanceFindsFarOutliersAndIsDeterministic) {
  // 5000 normals in 4-D plus two far points that a 64-row subsample almost surely misses: the
  // farthest-point sweeps find them.
  std::vector<float> x = Normals(5000, 4, 9);
  const size_t far_a = 1234, far_b = 4321;
  for (size_t k = 0; k < 4; ++k) {
    x[far_a * 4 + k] = 50;
    x[far_b * 4 + k] = -50;
  }
  const double exact = BruteForceLargestDistance(x, 4);
  EXPECT_NEAR(exact, 200.0, 1e-9);
  const double sub = LargestPairwiseDistance(x.data(), 5000, 4, 64, 3);
  EXPECT_NEAR(sub, exact, 1e-9);
  EXPECT_EQ(sub, LargestPairwiseDistance(x.data(), 5000, 4, 64, 3));
  // Without outliers it is a lower bound, and close on a smooth distribution.
  const std::vector<float> y = Normals(3000, 2, 11);
  const double y_exact = BruteForceLargestDistance(y, 2);
  const double y_sub = LargestPairwiseDistance(y.data(), 3000, 2, 100, 1);
  EXPECT_LE(y_sub, y_exact + 1e-9);
  EXPECT_GT(y_sub, 0.9 * y_exact);
}

TEST(NoiseSchedule, GammaSolvesTechniqueTwo) {
  for (size_t dim : {5, 6, 10, 50, 784, 3072, 12288}) {
    const double gamma = ChooseGamma(dim);
    ASSERT_TRUE(std::isfinite(gamma)) << dim;
    EXPECT_GT(gamma, 1.0);
    EXPECT_NEAR(ShellOverlap(gamma, dim), 0.5, 1e-9) << dim;
  }
  // No solution at or below 4 dimensions: the overlap never drops below Phi(3) - Phi(-3).
  for (size_t dim : {1, 2, 3, 4}) {
    EXPECT_TRUE(std::isinf(ChooseGamma(dim))) << dim;
    for (double g : {1.0, 1.5, 3.0, 100.0}) EXPECT_GT(ShellOverlap(g, dim), 0.99);
  }
  // Large D: gamma -> sqrt(2D) / (sqrt(2D) - 3) to leading order.
  const double s = std::sqrt(2.0 * 12288);
  EXPECT_NEAR(ChooseGamma(12288), s / (s - 3), 2e-3);
}

TEST(NoiseSchedule, MoreDimensionsGiveGammaNearerOneAndMoreLevels) {
  double previous_gamma = INFINITY;
  int previous_levels = 0;
  for (size_t dim : {5, 8, 20, 100, 784, 3072}) {
    const double gamma = ChooseGamma(dim);
    EXPECT_LT(gamma, previous_gamma) << dim;
    const int levels = int(std::ceil(std::log(50 / 0.01) / std::log(gamma))) + 1;
    EXPECT_GE(levels, previous_levels) << dim;
    previous_gamma = gamma;
    previous_levels = levels;
  }
  EXPECT_GT(previous_levels, 100);  // CIFAR-10's 3072 dimensions: the paper used L = 232
}

// The ratio as printed in the paper (Proposition 3), for moderate eps where it is accurate.
double PrintedRatio(double eps, double gamma, double sigma_l, int t) {
  const double a = 1 - eps / (sigma_l * sigma_l);
  const double c = 2 * eps / (sigma_l * sigma_l - sigma_l * sigma_l * a * a);
  return std::pow(a, 2 * t) * (gamma * gamma - c) + c;
}

// The variance of T steps of x <- x + alpha s(x) + sqrt(2 alpha) z on p = N(0, sigma_i^2)
// (s(x) = -x / sigma_i^2), started from N(0, sigma_{i-1}^2): what the ratio describes.
double SimulatedRatio(double eps, double gamma, double sigma_i, double sigma_l, int t) {
  const double alpha = eps * sigma_i * sigma_i / (sigma_l * sigma_l);
  double v = gamma * gamma * sigma_i * sigma_i;
  for (int k = 0; k < t; ++k) {
    const double a = 1 - alpha / (sigma_i * sigma_i);
    v = a * a * v + 2 * alpha;
  }
  return v / (sigma_i * sigma_i);
}

TEST(NoiseSchedule, VarianceRatioIsPropositionThree) {
  for (double eps : {1e-6, 3e-5, 2e-4}) {
    for (int t : {1, 5, 100}) {
      const double r = StepSizeVarianceRatio(eps, 1.2, 0.02, t);
      EXPECT_NEAR(r, PrintedRatio(eps, 1.2, 0.02, t), 1e-9 * r) << eps << " " << t;
      for (double sigma_i : {0.02, 0.3, 7.0}) {
        EXPECT_NEAR(r, SimulatedRatio(eps, 1.2, sigma_i, 0.02, t), 1e-9 * r);
      }
    }
  }
}

TEST(NoiseSchedule, StepSizeMinimisesTheVarianceRatio) {
  for (double gamma : {1.01, 1.1, 2.0}) {
    for (int t : {1, 5, 100, 1000}) {
      const double sigma_min = 0.01;
      const double eps = ChooseStepSize(gamma, sigma_min, t);
      ASSERT_GT(eps, 0.0);
      ASSERT_LT(eps, sigma_min * sigma_min);
      const double r = StepSizeVarianceRatio(eps, gamma, sigma_min, t);
      EXPECT_GT(r, 1.0);
      EXPECT_LT(r, gamma * gamma);
      for (double f : {0.9, 0.99, 1.01, 1.1}) {
        EXPECT_LE(r, StepSizeVarianceRatio(eps * f, gamma, sigma_min, t)) << gamma << " " << t;
      }
      // The minimum scales with sigma_min^2 (the ratio depends on eps / sigma_min^2 only).
      EXPECT_NEAR(ChooseStepSize(gamma, 0.5, t) / 2500, eps, 1e-6 * eps);
    }
  }
  // More steps per level: a smaller step suffices, and the ratio gets closer to 1.
  EXPECT_LT(ChooseStepSize(1.1, 0.01, 100), ChooseStepSize(1.1, 0.01, 10));
  EXPECT_LT(StepSizeVarianceRatio(ChooseStepSize(1.1, 0.01, 100), 1.1, 0.01, 100),
            StepSizeVarianceRatio(ChooseStepSize(1.1, 0.01, 10), 1.1, 0.01, 10));
}

// The step sizes of NCSNv2's released configurations (sigma_L = 0.01; gamma from sigma_1 and L):
// CIFAR-10 sigma_1 = 50, L = 232, T = 5, eps = 6.2e-6; CelebA sigma_1 = 90, L = 500, T = 5,
// eps = 3.3e-6; FFHQ sigma_1 = 348, L = 2311, T = 3, eps = 9e-7 (rounded to two digits there).
TEST(NoiseSchedule, StepSizeReproducesNcsnV2Settings) {
  struct Setting {
    double sigma_1;
    int levels, steps;
    double eps;
  };
  for (const Setting& s :
       {Setting{50, 232, 5, 6.2e-6}, Setting{90, 500, 5, 3.3e-6}, Setting{348, 2311, 3, 9e-7}}) {
    const double gamma = std::pow(s.sigma_1 / 0.01, 1.0 / (s.levels - 1));
    EXPECT_NEAR(ChooseStepSize(gamma, 0.01, s.steps), s.eps, 0.02 * s.eps) << s.sigma_1;
  }
}

TEST(NoiseSchedule, ChoiceForTwoDimensionalRings) {
  std::vector<float> x;
  ASSERT_TRUE(MakeToy2d("rings", 2000, 3, &x).ok());
  NoiseScheduleChoice c;
  ASSERT_TRUE(ChooseNoiseSchedule(x, 2, 0.01f, 100, &c).ok());
  EXPECT_FLOAT_EQ(c.sigma_max, float(LargestPairwiseDistance(x.data(), 2000, 2)));
  EXPECT_GT(c.sigma_max, 6.0f);  // the ring's diameter is 6, plus noise
  EXPECT_LT(c.sigma_max, 9.0f);
  EXPECT_EQ(c.sigma_min, 0.01f);
  EXPECT_EQ(c.steps_per_level, 100);
  // 2-D has no technique-2 solution: gamma capped at 2, L = ceil(log2(sigma_max / 0.01)) + 1.
  EXPECT_EQ(c.levels, int(std::ceil(std::log2(c.sigma_max / 0.01))) + 1);
  EXPECT_LE(c.gamma, 2.0f);
  EXPECT_NEAR(std::pow(double(c.gamma), c.levels - 1), c.sigma_max / 0.01,
              1e-4 * c.sigma_max / 0.01);
  // The sampler's convention: twice the paper's eps.
  EXPECT_NEAR(c.step_size, 2 * ChooseStepSize(c.gamma, 0.01, 100), 1e-6 * c.step_size);
  // A lower cap gives more levels.
  NoiseScheduleChoice fine;
  ASSERT_TRUE(ChooseNoiseSchedule(x, 2, 0.01f, 100, &fine, 1.2).ok());
  EXPECT_GT(fine.levels, c.levels);
}

TEST(NoiseSchedule, ChoiceInHighDimensionUsesTechniqueTwo) {
  const size_t dim = 784;
  const std::vector<float> x = Normals(300, dim, 4);
  NoiseScheduleChoice c;
  ASSERT_TRUE(ChooseNoiseSchedule(x, dim, 0.01f, 5, &c).ok());
  const double gamma = ChooseGamma(dim);
  EXPECT_EQ(c.levels, int(std::ceil(std::log(c.sigma_max / 0.01) / std::log(gamma))) + 1);
  EXPECT_LE(c.gamma, gamma);
}

TEST(NoiseSchedule, FixedLevelsKeepTechniquesOneAndFour) {
  const size_t dim = 64;
  const std::vector<float> x = Normals(300, dim, 5);
  NoiseScheduleChoice free, fixed;
  ASSERT_TRUE(ChooseNoiseSchedule(x, dim, 0.01f, 6, &free).ok());
  ASSERT_TRUE(ChooseNoiseSchedule(x, dim, 0.01f, 6, &fixed, 2.0, 7).ok());
  EXPECT_GT(free.levels, 7);
  EXPECT_EQ(fixed.levels, 7);
  EXPECT_EQ(fixed.sigma_max, free.sigma_max);
  EXPECT_NEAR(fixed.gamma, std::pow(fixed.sigma_max / 0.01, 1.0 / 6), 1e-4 * fixed.gamma);
  EXPECT_NEAR(fixed.step_size, 2.0 * ChooseStepSize(fixed.gamma, 0.01, 6), 1e-3 * fixed.step_size);
}

TEST(NoiseSchedule, RejectsBadInput) {
  const std::vector<float> x = {0, 0, 1, 1, 2, 0};
  NoiseScheduleChoice c;
  EXPECT_TRUE(ChooseNoiseSchedule(x, 2, 0.01f, 10, &c).ok());
  EXPECT_EQ(ChooseNoiseSchedule(x, 0, 0.01f, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 4, 0.01f, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 6, 0.01f, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.0f, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 5.0f, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, NAN, 10, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.01f, 0, &c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.01f, 10, &c, 1.0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.01f, 10, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.01f, 10, &c, 2.0, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseNoiseSchedule(x, 2, 0.01f, 10, &c, 2.0, -3).code(), StatusCode::kInvalidArgument);
  std::vector<float> bad = x;
  bad[3] = INFINITY;
  EXPECT_EQ(ChooseNoiseSchedule(bad, 2, 0.01f, 10, &c).code(), StatusCode::kInvalidArgument);
  const std::vector<float> same = {1, 1, 1, 1};
  EXPECT_EQ(ChooseNoiseSchedule(same, 2, 0.01f, 10, &c).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sw
