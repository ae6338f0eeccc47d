// The exact mixture score against central finite differences of its log-density.
#include "models/gaussian_mixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"

namespace sw {
namespace {

std::unique_ptr<GaussianMixture> Make(const std::vector<float>& w, const std::vector<float>& mu,
                                      const std::vector<float>& sd, size_t dim) {
  std::unique_ptr<GaussianMixture> gmm;
  Status s = GaussianMixture::Create(w, mu, sd, dim, &gmm);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return gmm;
}

TEST(GaussianMixture, ScoreIsTheGradientOfTheLogDensity) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 3);
  for (size_t dim : {1, 2, 3, 7}) {
    const size_t k = 4;
    std::vector<float> mu(k * dim), w = {0.1f, 0.2f, 0.3f, 0.4f}, sd = {0.5f, 1, 1.5f, 2};
    for (float& m : mu) m = normal(rng);
    auto gmm = Make(w, mu, sd, dim);
    for (float sigma : {0.0f, 0.1f, 1.0f, 10.0f}) {
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<float> x(dim), s(dim);
        for (float& v : x) v = normal(rng);
        ScoreRowsAt(*gmm, x.data(), 1, sigma, s.data());
        for (size_t j = 0; j < dim; ++j) {
          // Central difference in double through the float input: step large enough for float x.
          const float h = 1e-2f;
          std::vector<float> xp = x, xm = x;
          xp[j] += h;
          xm[j] -= h;
          const double fd =
              (gmm->LogDensity(xp.data(), sigma) - gmm->LogDensity(xm.data(), sigma)) /
              (double{xp[j]} - xm[j]);
          // O(h^2) truncation error times the third derivative, which is bounded by ~1/sd^3.
          EXPECT_NEAR(s[j], fd, 2e-3 + 2e-3 * std::fabs(fd)) << "dim " << dim << " sigma " << sigma;
        }
      }
    }
  }
}

TEST(GaussianMixture, SingleGaussianHasTheLinearScore) {
  auto gmm = Make({1}, {1, -2}, {2}, 2);
  const float x[2] = {3, 5};
  float s[2];
  ScoreRowsAt(*gmm, x, 1, 1.5f, s);
  const float v = 4 + 2.25f;  // s^2 + sigma^2
  EXPECT_NEAR(s[0], (1 - 3) / v, 1e-6);
  EXPECT_NEAR(s[1], (-2 - 5) / v, 1e-6);
}

TEST(GaussianMixture, FarAwayPointsStayFinite) {
  auto gmm = Make({0.2f, 0.8f}, {-5, -5, 5, 5}, {1, 1}, 2);
  const float x[6] = {1e4f, -1e4f, 3e7f, 3e7f, -1e19f, 1e19f};
  float s[6];
  ScoreRowsAt(*gmm, x, 3, 0.0f, s);
  for (float v : s) EXPECT_TRUE(std::isfinite(v));
  // (1e4, -1e4) lies on the bisector of the means: responsibilities equal the weights, so
  // s = 0.2 (mu_1 - x) + 0.8 (mu_2 - x); (3e7, 3e7) is nearest to (5, 5), which takes it all.
  EXPECT_NEAR(s[0], 0.2f * -5 + 0.8f * 5 - 1e4f, 1e-2);
  EXPECT_NEAR(s[2], 5 - 3e7f, 4);
}

TEST(GaussianMixture, RejectsBadParameters) {
  std::unique_ptr<GaussianMixture> gmm;
  EXPECT_EQ(GaussianMixture::Create({}, {}, {}, 2, &gmm).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({1}, {0, 0}, {1}, 0, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({1}, {0}, {1}, 2, &gmm).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({1}, {0, 0}, {1, 2}, 2, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({-1}, {0, 0}, {1}, 2, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({NAN}, {0, 0}, {1}, 2, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({1}, {0, INFINITY}, {1}, 2, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GaussianMixture::Create({1}, {0, 0}, {0}, 2, &gmm).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(gmm, nullptr);
}

TEST(ScoreBatch, ValidatesInputAndMatchesRowByRow) {
  auto gmm = Make({0.2f, 0.8f}, {-5, -5, 5, 5}, {1, 1}, 2);
  ThreadPool pool(2);
  std::vector<float> x(2 * 300), out(x.size()), one(2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * i) * 9;
  ASSERT_TRUE(ScoreBatch(*gmm, x.data(), 300, 0.5f, out.data(), &pool).ok());
  for (size_t r = 0; r < 300; ++r) {
    ScoreRowsAt(*gmm, &x[2 * r], 1, 0.5f, one.data());
    ASSERT_EQ(out[2 * r], one[0]);
    ASSERT_EQ(out[2 * r + 1], one[1]);
  }
  EXPECT_EQ(ScoreBatch(*gmm, x.data(), 0, 0.5f, out.data(), &pool).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ScoreBatch(*gmm, x.data(), 3, -1.0f, out.data(), &pool).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ScoreBatch(*gmm, x.data(), 3, NAN, out.data(), &pool).code(),
            StatusCode::kInvalidArgument);
  x[3] = NAN;
  EXPECT_EQ(ScoreBatch(*gmm, x.data(), 3, 0.5f, out.data(), &pool).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sw
