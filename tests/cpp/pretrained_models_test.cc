// The 2-D models shipped in web/models: each loads, samples 10 000 points with the settings stored
// in its file, and matches held-out data by the energy distance within 3× the noise floor (the mean
// |energy distance| of 8 independent draws of the data at the same size). Runs natively and in
// WASM, so both builds' samples are checked. At this size the criterion has the power the 2 000
// points it used before lacked: measured (Python, the same statistic), rings with modes 40 %
// narrower sit at 1.9× the floor at n = 2 000 and 5.7× at 10 000, and the second test applies that
// fault to the model's own samples and expects it to fail. Moons without their noise stay within
// reach of any such bound at this size; the third test measures the spread around the noiseless
// shapes instead, which catches both faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "data/toy2d.h"
#include "eval/energy_distance.h"
#include "shipped_models.h"

namespace sw {
namespace {

constexpr size_t kPoints = 10000;
constexpr double kPi = 3.14159265358979323846;

// The energy distance between `points` (kPoints of them) and held-out data of `name`, in units of
// its noise floor.
double RatioToFloor(const std::string& name, const std::vector<float>& points) {
  ThreadPool pool(2);
  std::vector<float> held_out;
  EXPECT_TRUE(MakeToy2d(name, kPoints, 1000003, &held_out).ok());
  const double distance =
      EnergyDistance(points.data(), kPoints, held_out.data(), kPoints, 2, &pool);
  double floor = 0;
  EXPECT_TRUE(EnergyDistanceNoiseFloor(
                  held_out.data(), kPoints, 2, kNoiseFloorDraws,
                  [&](int k, std::vector<float>* draw) {
                    return MakeToy2d(name, kPoints, 2000003 + k, draw);
                  },
                  &pool, &floor)
                  .ok());
  return distance / floor;
}

class PretrainedModel : public testing::TestWithParam<const char*> {};

TEST_P(PretrainedModel, SamplesMatchHeldOutDataWithinThreeTimesTheNoiseFloor) {
  const std::string name = GetParam();
  LoadedModel loaded;
  std::vector<float> samples;
  ASSERT_TRUE(SampleShippedModel(name, kPoints, /*seed=*/5, &loaded, &samples));
  const double ratio = RatioToFloor(name, samples);
  EXPECT_LT(ratio, 3.0) << name << ": energy distance / noise floor";
  RecordProperty("ratio_to_noise_floor", std::to_string(ratio));
}

INSTANTIATE_TEST_SUITE_P(Shipped, PretrainedModel,
                         testing::Values("moons", "swiss-roll", "rings", "checkerboard"),
                         ShippedModelTestName);

// The centre of the rings mode nearest to p: 3 (cos(k π/4), sin(k π/4)) for the k nearest p's
// angle.
void NearestRingCentre(const float* p, double* cx, double* cy) {
  const double k = std::round(std::atan2(p[1], p[0]) / (kPi / 4));
  *cx = 3 * std::cos(k * kPi / 4), *cy = 3 * std::sin(k * kPi / 4);
}

// The rings model's samples pulled 40 % closer to their nearest mode's centre: modes of std 0.15
// instead of 0.25, a sampler with narrowed modes.
std::vector<float> Narrowed(std::vector<float> rings) {
  for (size_t i = 0; i < rings.size() / 2; ++i) {
    float* p = &rings[2 * i];
    double cx, cy;
    NearestRingCentre(p, &cx, &cy);
    p[0] = static_cast<float>(cx + 0.6 * (p[0] - cx));
    p[1] = static_cast<float>(cy + 0.6 * (p[1] - cy));
  }
  return rings;
}

// The point of the noiseless moons (the upper half circle centred at (0, 0), angles 0 to π, and
// the lower one centred at (1, 0.5), angles −π to 0) nearest to p, and its distance: the radial
// projection when p's angle is inside the arc's span, else the nearer end of the arc.
double NearestOnMoons(const float* p, double* x, double* y) {
  double best = INFINITY;
  const auto consider = [&](double qx, double qy) {
    const double d = std::hypot(p[0] - qx, p[1] - qy);
    if (d < best) best = d, *x = qx, *y = qy;
  };
  for (const auto& [cx, cy, lo] : {std::array<double, 3>{0, 0, 0}, {1, 0.5, -kPi}}) {
    const double angle = std::atan2(p[1] - cy, p[0] - cx);
    if (angle >= lo && angle <= lo + kPi) consider(cx + std::cos(angle), cy + std::sin(angle));
    consider(cx + std::cos(lo), cy + std::sin(lo));
    consider(cx - std::cos(lo), cy - std::sin(lo));
  }
  return best;
}

// The moons model's samples moved onto the noiseless half circles: moons without their noise.
std::vector<float> Noiseless(std::vector<float> moons) {
  for (size_t i = 0; i < moons.size() / 2; ++i) {
    double x, y;
    NearestOnMoons(&moons[2 * i], &x, &y);
    moons[2 * i] = static_cast<float>(x), moons[2 * i + 1] = static_cast<float>(y);
  }
  return moons;
}

// The energy distance catches the narrowed modes at this size (5.7× the floor, measured in
// Python; 1.9× at 2 000 points, where the test used to sample).
TEST(PretrainedModelCriterion, FailsNarrowedModes) {
  LoadedModel loaded;
  std::vector<float> rings;
  ASSERT_TRUE(SampleShippedModel("rings", kPoints, /*seed=*/5, &loaded, &rings));
  EXPECT_GT(RatioToFloor("rings", Narrowed(rings)), 3.0) << "rings, modes 40 % narrower";
}

// What the energy distance cannot see at 10 000 points (moons without their noise measured 1.2×
// and 4.2× the floor in two draws of the same Python experiment), the spread of the samples
// around the noiseless shape does: the RMS distance to the nearest point of the half circles is
// the noise's 0.05 for moons data (its component normal to the curve), and the RMS distance to the
// nearest mode's centre is √2 · 0.25 for rings. Held-out data must give them within 3 % (a check of
// the statistic: its standard error at 10 000 points is 0.7 %, and the ends of the arcs and the
// overlap of the modes bias it a little; measured 0.0497 and 0.3495), the models' samples within
// 15 % (how good the shipped models are: measured 0.0547 and 0.3595), and the broken samplers fail
// (0 and 0.2157).
TEST(PretrainedModelSpread, MoonsAndRingsKeepTheirNoise) {
  const auto moons_spread = [](const std::vector<float>& points) {
    double sum = 0;
    for (size_t i = 0; i < points.size() / 2; ++i) {
      double x, y;
      const double d = NearestOnMoons(&points[2 * i], &x, &y);
      sum += d * d;
    }
    return std::sqrt(sum / (points.size() / 2));
  };
  const auto rings_spread = [](const std::vector<float>& points) {
    double sum = 0;
    for (size_t i = 0; i < points.size() / 2; ++i) {
      const float* p = &points[2 * i];
      double cx, cy;
      NearestRingCentre(p, &cx, &cy);
      sum += (p[0] - cx) * (p[0] - cx) + (p[1] - cy) * (p[1] - cy);
    }
    return std::sqrt(sum / (points.size() / 2));
  };
  std::vector<float> data;
  ASSERT_TRUE(MakeToy2d("moons", kPoints, 1000003, &data).ok());
  const double moons_data = moons_spread(data);
  ASSERT_TRUE(MakeToy2d("rings", kPoints, 1000003, &data).ok());
  const double rings_data = rings_spread(data);
  std::printf("  spread of the data: moons %.4f, rings %.4f\n", moons_data, rings_data);
  EXPECT_NEAR(moons_data, 0.05, 0.03 * 0.05) << "moons data";
  EXPECT_NEAR(rings_data, std::sqrt(2.0) * 0.25, 0.03 * std::sqrt(2.0) * 0.25) << "rings data";

  LoadedModel loaded;
  std::vector<float> moons, rings;
  ASSERT_TRUE(SampleShippedModel("moons", kPoints, /*seed=*/5, &loaded, &moons));
  ASSERT_TRUE(SampleShippedModel("rings", kPoints, /*seed=*/5, &loaded, &rings));
  const double moons_model = moons_spread(moons), moons_noiseless = moons_spread(Noiseless(moons));
  const double rings_model = rings_spread(rings), rings_narrowed = rings_spread(Narrowed(rings));
  std::printf("  spread: moons %.4f (noiseless %.4f), rings %.4f (narrowed %.4f)\n", moons_model,
              moons_noiseless, rings_model, rings_narrowed);
  EXPECT_NEAR(moons_model, 0.05, 0.15 * 0.05) << "the moons model";
  EXPECT_NEAR(rings_model, std::sqrt(2.0) * 0.25, 0.15 * std::sqrt(2.0) * 0.25)
      << "the rings model";
  EXPECT_LT(moons_noiseless, 0.85 * 0.05) << "moons without their noise";
  EXPECT_LT(rings_narrowed, 0.85 * std::sqrt(2.0) * 0.25) << "rings, modes 40 % narrower";
}

}  // namespace
}  // namespace sw
