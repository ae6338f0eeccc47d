// Counter-based random numbers: known answers, and the statistics the samplers rely on.
#include "core/philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sw {
namespace {

// Known-answer vectors of Philox4x32-10 published with Random123 (kat_vectors).
TEST(Philox, MatchesRandom123KnownAnswers) {
  PhiloxCounter zero = Philox4x32(PhiloxCounter{{0, 0, 0, 0}}, 0);
  EXPECT_EQ(zero.v[0], 0x6627e8d5u);
  EXPECT_EQ(zero.v[1], 0xe169c58du);
  EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
  PhiloxCounter ones = Philox4x32(
      PhiloxCounter{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffffffffffull);
  EXPECT_EQ(ones.v[0], 0x408f276du);
  EXPECT_EQ(ones.v[1], 0x41c83b0eu);
  EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.v[3], 0x6d5451fdu);
  PhiloxCounter pi = Philox4x32(PhiloxCounter{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                                0x299f31d0a4093822ull);
  EXPECT_EQ(pi.v[0], 0xd16cfe09u);
  EXPECT_EQ(pi.v[1], 0x94fdccebu);
  EXPECT_EQ(pi.v[2], 0x5001e420u);
  EXPECT_EQ(pi.v[3], 0x24126ea1u);
}

TEST(Philox, UniformOpen01NeverReachesTheEnds) {
  EXPECT_GT(UniformOpen01(0), 0.0f);
  EXPECT_LT(UniformOpen01(0xffffffffu), 1.0f);
}

// Mean, variance and tail mass of 400 000 normals; tolerances are 5 standard errors.
TEST(Philox, FillNormalHasStandardNormalMoments) {
  const size_t samples = 100000, dim = 4;
  double sum = 0, sum2 = 0, beyond2 = 0;
  std::vector<float> z(dim);
  for (size_t i = 0; i < samples; ++i) {
    FillNormal(42, RandomStream::kLangevinNoise, i, 3, z.data(), dim);
    for (float v : z) {
      sum += v;
      sum2 += double{v} * v;
      beyond2 += std::fabs(v) > 2;
    }
  }
  const double count = samples * dim;
  const double mean = sum / count, var = sum2 / count - mean * mean;
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(count));
  EXPECT_NEAR(var, 1.0, 5 * std::sqrt(2.0 / count));
  const double p = 0.0455003;  // P(|Z| > 2)
  EXPECT_NEAR(beyond2 / count, p, 5 * std::sqrt(p * (1 - p) / count));
}

TEST(Philox, DrawsDependOnlyOnTheirKey) {
  std::vector<float> a(5), b(7), c(5);
  FillNormal(1, RandomStream::kLangevinNoise, 10, 20, a.data(), 5);
  FillNormal(1, RandomStream::kLangevinNoise, 10, 20, b.data(), 7);  // longer: same prefix
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a[i], b[i]);
  FillNormal(1, RandomStream::kLangevinNoise, 10, 21, c.data(), 5);  // next step: different
  EXPECT_NE(a, c);
  FillNormal(2, RandomStream::kLangevinNoise, 10, 20, c.data(), 5);  // other seed: different
  EXPECT_NE(a, c);
  FillNormal(1, RandomStream::kInit, 10, 20, c.data(), 5);  // other stream: different
  EXPECT_NE(a, c);
}

TEST(Philox, FillUniformStaysInRangeWithUniformMean) {
  double sum = 0;
  std::vector<float> u(3);
  for (size_t i = 0; i < 20000; ++i) {
    FillUniform(9, RandomStream::kInit, i, -8.0f, 8.0f, u.data(), 3);
    for (float v : u) {
      ASSERT_GT(v, -8.0f);
      ASSERT_LT(v, 8.0f);
      sum += v;
    }
  }
  const double count = 60000, sd = 16 / std::sqrt(12.0);
  EXPECT_NEAR(sum / count, 0.0, 5 * sd / std::sqrt(count));
}

}  // namespace
}  // namespace sw
