// Energy distance: hand-computed and closed-form values, unbiasedness of the U-statistic, symmetry
// and independence of the thread count.
#include "eval/energy_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "data/toy2d.h"

namespace sw {
namespace {

constexpr double kPi = 3.14159265358979;

std::vector<float> Normals(size_t n, size_t dim, uint64_t seed, float shift = 0) {
  std::vector<float> x(n * dim);
  for (size_t i = 0; i < n; ++i) {
    FillNormal(seed, RandomStream::kInit, i, 0, x.data() + i * dim, dim);
  }
  for (float& v : x) v += shift;
  return x;
}

// The estimator written out directly, in double.
double Reference(const std::vector<float>& a, const std::vector<float>& b, size_t dim) {
  auto mean_distance = [dim](const std::vector<float>& x, const std::vector<float>& y, bool same) {
    const size_t nx = x.size() / dim, ny = y.size() / dim;
    double sum = 0, count = 0;
    for (size_t i = 0; i < nx; ++i) {
      for (size_t j = 0; j < ny; ++j) {
        if (same && i == j) continue;
        double s = 0;
        for (size_t k = 0; k < dim; ++k) {
          const double d = double(x[i * dim + k]) - y[j * dim + k];
          s += d * d;
        }
        sum += std::sqrt(s);
        ++count;
      }
    }
    return sum / count;
  };
  return 2 * mean_distance(a, b, false) - mean_distance(a, a, true) - mean_distance(b, b, true);
}

TEST(EnergyDistance, HandComputedValues) {
  // a = {0, 1}, b = {2, 3}: cross mean (2 + 3 + 1 + 2) / 4 = 2, within means 1 and 1 -> 2.
  const float a[] = {0, 1}, b[] = {2, 3};
  EXPECT_NEAR(EnergyDistance(a, 2, b, 2, 1, nullptr), 2.0, 1e-12);
  // Two point masses at 0 and mu in 2-D: 2 |mu|.
  const std::vector<float> p(2 * 5, 0.0f);
  std::vector<float> q(2 * 7);
  for (size_t i = 0; i < 7; ++i) {
    q[2 * i] = 3;
    q[2 * i + 1] = 4;
  }
  EXPECT_NEAR(EnergyDistance(p.data(), 5, q.data(), 7, 2, nullptr), 10.0, 1e-12);
  // Identical sets of distinct points: the estimate is negative, since the cross mean includes the
  // zero diagonal and the within means do not: 2 (n-1)/n m - 2 m = -2m/n, m = within mean.
  const float c[] = {0, 1, 3};
  const double m = (1 + 3 + 2) / 3.0;
  EXPECT_NEAR(EnergyDistance(c, 3, c, 3, 1, nullptr), -2 * m / 3, 1e-12);
}

TEST(EnergyDistance, MatchesTheDirectFormulaOverOddSizesAndDimensions) {
  for (size_t dim : {1, 2, 3, 17}) {
    for (size_t na : {2, 31, 600}) {
      const size_t nb = na + 7;
      const std::vector<float> a = Normals(na, dim, 1), b = Normals(nb, dim, 2, 0.3f);
      const double ref = Reference(a, b, dim);
      EXPECT_NEAR(EnergyDistance(a.data(), na, b.data(), nb, dim, nullptr), ref,
                  1e-6 * (1 + std::fabs(ref)))
          << dim << " " << na;
    }
  }
}

// E|N(mu, s^2)| = s sqrt(2 / pi) exp(-mu^2 / (2 s^2)) + mu (1 - 2 Phi(-mu / s)).
double MeanAbsNormal(double mu, double s) {
  const double phi = 0.5 * std::erfc(mu / s / std::sqrt(2.0));  // Phi(-mu / s)
  return s * std::sqrt(2 / kPi) * std::exp(-mu * mu / (2 * s * s)) + mu * (1 - 2 * phi);
}

TEST(EnergyDistance, ShiftedGaussiansMatchTheClosedForm) {
  // 1-D N(0, 1) vs N(mu, 1): X - Y ~ N(-mu, 2), X - X' ~ N(0, 2), so
  // D^2 = 2 E|N(mu, 2)| - 2 E|N(0, 2)|. The estimator is unbiased: the mean over 20 independent
  // pairs of samples of 500 must match within 5 standard errors of that mean.
  ThreadPool pool(2);
  for (double mu : {0.5, 1.0, 3.0}) {
    const double expected =
        2 * MeanAbsNormal(mu, std::sqrt(2.0)) - 2 * MeanAbsNormal(0, std::sqrt(2.0));
    const int reps = 20;
    double sum = 0, sum2 = 0;
    for (int r = 0; r < reps; ++r) {
      const std::vector<float> a = Normals(500, 1, 100 + r),
                               b = Normals(500, 1, 200 + r, float(mu));
      const double d = EnergyDistance(a.data(), 500, b.data(), 500, 1, &pool);
      sum += d;
      sum2 += d * d;
    }
    const double mean = sum / reps, sd = std::sqrt((sum2 - reps * mean * mean) / (reps - 1));
    EXPECT_NEAR(mean, expected, 5 * sd / std::sqrt(reps) + 1e-4) << mu;
  }
}

TEST(EnergyDistance, SameDistributionGivesNearZero) {
  // Two draws of 2000 from 2-D N(0, I): E|X - Y| = sqrt(pi) = 1.77; under the null the estimate
  // has mean 0 and a spread of order E|X - Y| / n.
  ThreadPool pool(2);
  const std::vector<float> a = Normals(2000, 2, 7), b = Normals(2000, 2, 8);
  const double same = EnergyDistance(a.data(), 2000, b.data(), 2000, 2, &pool);
  EXPECT_LT(std::fabs(same), 0.01 * std::sqrt(kPi));
  const std::vector<float> c = Normals(2000, 2, 9, 0.5f);
  EXPECT_GT(EnergyDistance(a.data(), 2000, c.data(), 2000, 2, &pool), 20 * std::fabs(same));
  // Two seeds of one toy set are close; two different sets are not.
  std::vector<float> r1, r2, ch;
  ASSERT_TRUE(MakeToy2d("rings", 1500, 1, &r1).ok());
  ASSERT_TRUE(MakeToy2d("rings", 1500, 2, &r2).ok());
  ASSERT_TRUE(MakeToy2d("checkerboard", 1500, 1, &ch).ok());
  const double rr = EnergyDistance(r1.data(), 1500, r2.data(), 1500, 2, &pool);
  const double rc = EnergyDistance(r1.data(), 1500, ch.data(), 1500, 2, &pool);
  EXPECT_LT(std::fabs(rr), 0.015);
  EXPECT_GT(rc, 0.05);
  EXPECT_GT(rc, 10 * std::fabs(rr));
}

TEST(EnergyDistance, IsSymmetric) {
  const std::vector<float> a = Normals(300, 3, 1), b = Normals(450, 3, 2, 1.0f);
  const double ab = EnergyDistance(a.data(), 300, b.data(), 450, 3, nullptr);
  const double ba = EnergyDistance(b.data(), 450, a.data(), 300, 3, nullptr);
  EXPECT_NEAR(ab, ba, 1e-9 * std::fabs(ab));
}

TEST(EnergyDistance, DoesNotDependOnTheThreadCount) {
  const std::vector<float> a = Normals(3001, 2, 1), b = Normals(2777, 2, 2, 0.2f);
  const double inline_result = EnergyDistance(a.data(), 3001, b.data(), 2777, 2, nullptr);
  for (size_t threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(EnergyDistance(a.data(), 3001, b.data(), 2777, 2, &pool), inline_result) << threads;
  }
}

TEST(EnergyDistance, UndefinedForFewerThanTwoPoints) {
  const float a[] = {0, 1};
  EXPECT_TRUE(std::isnan(EnergyDistance(a, 1, a, 2, 1, nullptr)));
  EXPECT_TRUE(std::isnan(EnergyDistance(a, 2, a, 1, 1, nullptr)));
  EXPECT_TRUE(std::isnan(EnergyDistance(a, 2, a, 2, 0, nullptr)));
}

// The floor is the mean |D²| of independent draws of the data against the reference: positive even
// though single draws straddle zero, and able to tell a sample with its spread 40 % too narrow
// (scale 0.6) from a correct one at the same n.
TEST(EnergyDistanceNoiseFloor, MeanAbsoluteValueOfDrawsThatSeparatesANarrowedSample) {
  const size_t n = 2000, dim = 2;
  ThreadPool pool(2);
  const std::vector<float> reference = Normals(n, dim, 1);
  auto draw = [&](int k, std::vector<float>* points) {
    *points = Normals(n, dim, 100 + k);
    return Status::Ok();
  };
  double floor = 0;
  ASSERT_TRUE(
      EnergyDistanceNoiseFloor(reference.data(), n, dim, kNoiseFloorDraws, draw, &pool, &floor)
          .ok());
  double mean_abs = 0;
  int negative = 0;
  for (int k = 0; k < kNoiseFloorDraws; ++k) {
    const std::vector<float> points = Normals(n, dim, 100 + k);
    const double d = EnergyDistance(points.data(), n, reference.data(), n, dim, &pool);
    mean_abs += std::fabs(d) / kNoiseFloorDraws;
    negative += d < 0 ? 1 : 0;
  }
  EXPECT_NEAR(floor, mean_abs, 1e-12 * mean_abs);
  EXPECT_GT(floor, 0);
  EXPECT_GT(negative, 0) << "every signed draw was positive: a single one would have served";

  std::vector<float> narrowed = Normals(n, dim, 999);
  for (float& v : narrowed) v *= 0.6f;
  const std::vector<float> correct = Normals(n, dim, 999);
  EXPECT_GT(EnergyDistance(narrowed.data(), n, reference.data(), n, dim, &pool), 3 * floor);
  EXPECT_LT(EnergyDistance(correct.data(), n, reference.data(), n, dim, &pool), 3 * floor);
}

TEST(EnergyDistanceNoiseFloor, PassesOnTheDrawsError) {
  const std::vector<float> reference = Normals(10, 2, 1);
  double floor = -1;
  const Status s = EnergyDistanceNoiseFloor(
      reference.data(), 10, 2, 3,
      [](int, std::vector<float>*) { return InvalidArgument("no such data set"); }, nullptr,
      &floor);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(floor, -1);
}

}  // namespace
}  // namespace sw
