// logProb on exact mixture scores, whose σ-perturbed log-density is known in closed form: the exact
// divergence within a few thousandths of a nat, Hutchinson's estimate unbiased (its error over
// points averages to zero within its standard error), determinism for any thread count, errors.
#include "samplers/likelihood.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"

namespace sw {
namespace {

// Two modes in `dim` dimensions, the mean of the whole at the origin (so the VE prior N(0, σ_max²)
// stands in well for p_σmax): weight 0.3 at -2.8 (std 0.6) and 0.7 at 1.2 (std 1) per coordinate.
std::unique_ptr<GaussianMixture> Mixture(size_t dim) {
  std::vector<float> means(2 * dim);
  for (size_t j = 0; j < dim; ++j) means[j] = -2.8f, means[dim + j] = 1.2f;
  std::unique_ptr<GaussianMixture> gmm;
  EXPECT_TRUE(GaussianMixture::Create({0.3f, 0.7f}, means, {0.6f, 1.0f}, dim, &gmm).ok());
  return gmm;
}

std::vector<float> Points(size_t n, size_t dim, uint64_t seed) {
  std::vector<float> x(n * dim);
  FillNormal(seed, RandomStream::kInit, 5, 0, x.data(), x.size());
  for (float& v : x) v *= 2;  // around both modes and between them
  return x;
}

LogProbOptions Options(int probes) {
  LogProbOptions o;
  o.sigma_max = 100;
  o.sigma_min = 0.01f;
  o.steps = 200;
  o.probes = probes;
  o.seed = 3;
  return o;
}

TEST(LogProb, ExactDivergenceMatchesTheMixturesLogDensity) {
  const auto gmm = Mixture(2);
  ThreadPool pool(2);
  const size_t n = 200;
  const std::vector<float> x = Points(n, 2, 1);
  std::vector<double> lp;
  ASSERT_TRUE(LogProb(*gmm, x.data(), n, Options(0), &pool, 0, &lp).ok());
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::fabs(lp[i] - gmm->LogDensity(&x[2 * i], 0.01f)));
  }
  EXPECT_LT(worst, 0.01) << "nats";
}

// In 20 dimensions, at points near the large mode: the exact divergence within a few hundredths
// of a nat at 200 steps (measured: 0.016 worst, 0.005 at 800 steps; far in the tails, at twice
// the data's spread, the ODE needs more steps), and Hutchinson's estimate unbiased: its per-point
// error against the exact divergence, at the same 60 steps, has mean zero within its standard
// error.
TEST(LogProb, In20DimensionsExactAndHutchinson) {
  const auto gmm = Mixture(20);
  ThreadPool pool(2);
  const size_t n = 300;
  std::vector<float> x = Points(n, 20, 2);
  for (float& v : x) v = 1.2f + v / 4;  // N(1.2, 0.5²) per coordinate
  std::vector<double> exact;
  ASSERT_TRUE(LogProb(*gmm, x.data(), n, Options(0), &pool, 0, &exact).ok());
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::fabs(exact[i] - gmm->LogDensity(&x[20 * i], 0.01f)));
  }
  EXPECT_LT(worst, 0.03) << "nats";

  LogProbOptions coarse = Options(0), hutchinson = Options(4);
  coarse.steps = hutchinson.steps = 60;
  std::vector<double> want, got;
  ASSERT_TRUE(LogProb(*gmm, x.data(), n, coarse, &pool, 0, &want).ok());
  ASSERT_TRUE(LogProb(*gmm, x.data(), n, hutchinson, &pool, 0, &got).ok());
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = got[i] - want[i];
    sum += d, sum2 += d * d;
  }
  const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
  EXPECT_LT(std::fabs(mean), 4 * se + 1e-3) << "mean error " << mean << ", standard error " << se;
  EXPECT_GT(se, 0) << "the probes must add noise";
}

// The adaptive solver at its default tolerances (1e-5) is as close as 200 Heun steps, with
// its evaluations counted per point.
TEST(LogProb, Rk45MatchesTheMixturesLogDensity) {
  const auto gmm = Mixture(2);
  ThreadPool pool(2);
  const size_t n = 200;
  const std::vector<float> x = Points(n, 2, 1);
  LogProbOptions o = Options(0);
  o.rk45 = true;
  std::unique_ptr<LogProbRun> run;
  ASSERT_TRUE(LogProbRun::Create(gmm.get(), x.data(), n, o, &pool, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 0);
  while (!run->done()) ASSERT_TRUE(run->Step(7).ok());
  EXPECT_GT(run->evaluations(), 3 * 10);  // 1 + 2 products per derivative
  const std::vector<double> lp = run->log_probs();
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::fabs(lp[i] - gmm->LogDensity(&x[2 * i], 0.01f)));
  }
  EXPECT_LT(worst, 0.01) << "nats";
  std::vector<double> serial;
  ASSERT_TRUE(LogProb(*gmm, x.data(), n, o, nullptr, 0, &serial).ok());
  EXPECT_EQ(serial, lp);
}

TEST(LogProb, BitIdenticalForAnyThreadCountAndEvaluationsCounted) {
  const auto gmm = Mixture(2);
  const std::vector<float> x = Points(50, 2, 3);
  ThreadPool pool(2);
  std::vector<double> serial, pooled;
  LogProbOptions o = Options(2);
  o.steps = 20;
  ASSERT_TRUE(LogProb(*gmm, x.data(), 50, o, nullptr, 0, &serial).ok());
  ASSERT_TRUE(LogProb(*gmm, x.data(), 50, o, &pool, 0, &pooled).ok());
  EXPECT_EQ(serial, pooled);
  std::unique_ptr<LogProbRun> run;
  ASSERT_TRUE(LogProbRun::Create(gmm.get(), x.data(), 50, o, nullptr, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 19);
  ASSERT_TRUE(run->Step(100).ok());
  EXPECT_EQ(run->evaluations(), 19 * 2 * (1 + 2));
}

TEST(LogProb, RejectsBadInput) {
  const auto gmm = Mixture(2);
  std::vector<float> x = Points(4, 2, 4);
  std::unique_ptr<LogProbRun> run;
  LogProbOptions o = Options(0);
  EXPECT_EQ(LogProbRun::Create(gmm.get(), x.data(), 0, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  o.probes = -1;
  EXPECT_EQ(LogProbRun::Create(gmm.get(), x.data(), 4, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  o = Options(0);
  o.steps = 1;
  EXPECT_EQ(LogProbRun::Create(gmm.get(), x.data(), 4, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  o = Options(0);
  o.sigma_min = 200;
  EXPECT_EQ(LogProbRun::Create(gmm.get(), x.data(), 4, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  x[3] = NAN;
  EXPECT_EQ(LogProbRun::Create(gmm.get(), x.data(), 4, Options(0), nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sw
