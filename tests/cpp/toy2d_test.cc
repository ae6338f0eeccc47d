// Toy 2-D data sets: determinism, the prefix property, and each set's shape. Statistical
// tolerances are 5 standard errors.
#include "data/toy2d.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace sw {
namespace {

constexpr double kPi = 3.14159265358979;

std::vector<float> Make(const std::string& name, size_t n, uint64_t seed = 1) {
  std::vector<float> x;
  EXPECT_TRUE(MakeToy2d(name, n, seed, &x).ok());
  return x;
}

// 5 standard errors of a proportion p estimated from n draws.
double FiveSe(double p, size_t n) { return 5 * std::sqrt(p * (1 - p) / n); }

TEST(Toy2d, NamesAreTheFiveSets) {
  EXPECT_EQ(Toy2dNames(), (std::vector<std::string>{"moons", "swiss-roll", "rings", "checkerboard",
                                                    "two-modes"}));
}

TEST(Toy2d, ShapeDeterminismAndPrefixProperty) {
  for (const std::string& name : Toy2dNames()) {
    SCOPED_TRACE(name);
    const std::vector<float> a = Make(name, 1000, 42), b = Make(name, 1000, 42);
    ASSERT_EQ(a.size(), 2000u);
    EXPECT_EQ(a, b);
    const std::vector<float> prefix = Make(name, 37, 42);
    EXPECT_EQ(prefix, std::vector<float>(a.begin(), a.begin() + 74));
    EXPECT_NE(Make(name, 1000, 43), a);
    for (float v : a) ASSERT_TRUE(std::isfinite(v));
    EXPECT_TRUE(Make(name, 0).empty());
  }
}

TEST(Toy2d, AllButTwoModesLieRoughlyWithinFourOfTheOrigin) {
  for (const std::string& name : Toy2dNames()) {
    if (name == "two-modes") continue;
    SCOPED_TRACE(name);
    for (float v : Make(name, 5000)) {
      EXPECT_LE(std::fabs(v), 4.5f);
    }
  }
}

TEST(Toy2d, UnknownNameListsTheKnownOnes) {
  std::vector<float> x = {1, 2};
  const Status s = MakeToy2d("spirals", 10, 0, &x);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"spirals\""), std::string::npos);
  for (const std::string& name : Toy2dNames()) {
    EXPECT_NE(s.message().find(name), std::string::npos) << name;
  }
  EXPECT_EQ(MakeToy2d("moons", 10, 0, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeToy2d("moons", (size_t{1} << 28) + 1, 0, &x).code(), StatusCode::kInvalidArgument);
}

TEST(Toy2d, RingsHaveEightBalancedClustersOnRadiusThree) {
  const size_t n = 20000;
  const std::vector<float> x = Make("rings", n);
  std::vector<size_t> count(8, 0);
  double radius = 0, spread = 0;
  for (size_t i = 0; i < n; ++i) {
    const double px = x[2 * i], py = x[2 * i + 1];
    const double r = std::hypot(px, py);
    radius += r;
    EXPECT_NEAR(r, 3.0, 6 * 0.25);
    int k = static_cast<int>(std::lround(std::atan2(py, px) / (kPi / 4)));
    k = (k + 8) % 8;
    ++count[k];
    // Distance to the assigned centre: 2-D N(0, 0.25^2) has E|d|^2 = 2 * 0.0625.
    const double cx = 3 * std::cos(k * kPi / 4), cy = 3 * std::sin(k * kPi / 4);
    spread += (px - cx) * (px - cx) + (py - cy) * (py - cy);
  }
  EXPECT_NEAR(radius / n, 3.0, 0.02);
  EXPECT_NEAR(spread / n, 0.125, 5 * 0.125 / std::sqrt(n));  // |d|^2 ~ 0.0625 chi2_2: sd = mean
  for (size_t c : count) EXPECT_NEAR(c / double(n), 1.0 / 8, FiveSe(1.0 / 8, n));
}

TEST(Toy2d, CheckerboardIsOnBlackSquaresOnlyAndBalanced) {
  const size_t n = 20000;
  const std::vector<float> x = Make("checkerboard", n);
  std::vector<size_t> count(16, 0);
  double sum_x = 0, sum_y = 0;
  for (size_t i = 0; i < n; ++i) {
    const float px = x[2 * i], py = x[2 * i + 1];
    ASSERT_GE(px, -4.0f);
    ASSERT_LE(px, 4.0f);
    ASSERT_GE(py, -4.0f);
    ASSERT_LE(py, 4.0f);
    const int col = static_cast<int>(std::floor((px + 4) / 2)),
              row = static_cast<int>(std::floor((py + 4) / 2));
    ASSERT_EQ((col + row) % 2, 0) << px << ", " << py;
    ++count[row * 4 + col];
    sum_x += px;
    sum_y += py;
  }
  int black = 0;
  for (int row = 0; row < 4; ++row) {
    for (int col = 0; col < 4; ++col) {
      if ((row + col) % 2 != 0) continue;
      ++black;
      EXPECT_NEAR(count[row * 4 + col] / double(n), 1.0 / 8, FiveSe(1.0 / 8, n)) << row << col;
    }
  }
  EXPECT_EQ(black, 8);
  // Uniform within the squares: the black squares' centres average to the origin.
  const double sd = 8 / std::sqrt(12.0);  // each coordinate is marginally U(-4, 4)
  EXPECT_NEAR(sum_x / n, 0.0, 5 * sd / std::sqrt(n));
  EXPECT_NEAR(sum_y / n, 0.0, 5 * sd / std::sqrt(n));
}

TEST(Toy2d, TwoModesHasWeightOneFifthOnTheSmallMode) {
  const size_t n = 20000;
  const std::vector<float> x = Make("two-modes", n);
  size_t small = 0;
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool is_small = x[2 * i] + x[2 * i + 1] < 0;
    small += is_small;
    const double dx = x[2 * i] - (is_small ? -5.0 : 5.0);
    sum += dx;
    sum2 += dx * dx;
  }
  EXPECT_NEAR(small / double(n), 0.2, FiveSe(0.2, n));
  EXPECT_NEAR(sum / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(sum2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

// Distance from (x, y) to the half circle of radius 1 around (cx, cy) on the side sign * (y - cy)
// >= 0: the radial distance there, else the distance to the nearer end point.
double HalfCircleDistance(double x, double y, double cx, double cy, double sign) {
  if (sign * (y - cy) >= 0) return std::fabs(std::hypot(x - cx, y - cy) - 1);
  return std::min(std::hypot(x - cx - 1, y - cy), std::hypot(x - cx + 1, y - cy));
}

TEST(Toy2d, MoonsAreTwoBalancedNoisyUnitHalfCircles) {
  const size_t n = 20000;
  const std::vector<float> x = Make("moons", n);
  size_t upper = 0;
  for (size_t i = 0; i < n; ++i) {
    const double px = x[2 * i], py = x[2 * i + 1];
    const double d_upper = HalfCircleDistance(px, py, 0, 0, 1);
    const double d_lower = HalfCircleDistance(px, py, 1, 0.5, -1);
    upper += d_upper < d_lower;
    // Noise sd 0.05 per coordinate: 0.3 is 6 sd.
    EXPECT_LT(std::min(d_upper, d_lower), 0.3) << px << ", " << py;
  }
  // Points near the two crossings of the moons may be given to the wrong half; they are few next
  // to 5 standard errors of 1/2 (0.018).
  EXPECT_NEAR(upper / double(n), 0.5, FiveSe(0.5, n));
}

TEST(Toy2d, SwissRollFollowsItsSpiral) {
  const size_t n = 5000;
  const std::vector<float> x = Make("swiss-roll", n);
  double mean_r = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = std::hypot(x[2 * i], x[2 * i + 1]);
    EXPECT_GT(r, 1.5 * kPi / 5 - 0.3);
    EXPECT_LT(r, 4.5 * kPi / 5 + 0.3);
    mean_r += r;
  }
  // r = t / 5 with t ~ U(1.5 pi, 4.5 pi): mean 3 pi / 5, sd (3 pi / 5) / sqrt(12) = 0.544.
  EXPECT_NEAR(mean_r / n, 3 * kPi / 5, 5 * 0.55 / std::sqrt(n));
}

}  // namespace
}  // namespace sw
