// The adaptive Dormand–Prince solver against the probability-flow ODE of one Gaussian N(μ, s² I),
// whose solution is known: p_σ = N(μ, (s² + σ²) I), so x(σ) − μ = (x(σ₀) − μ) √((s² + σ²) /
// (s² + σ₀²)). The error follows the tolerance, each chain is its own (the same result alone as in
// any batch), both directions work, and a blowing-up ODE fails with an error that stays.
#include "samplers/dormand_prince.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"

namespace sw {
namespace {

constexpr float kMean = 1.5f, kStd = 0.4f;

std::unique_ptr<GaussianMixture> OneGaussian(size_t dim) {
  std::unique_ptr<GaussianMixture> g;
  EXPECT_TRUE(
      GaussianMixture::Create({1.0f}, std::vector<float>(dim, kMean), {kStd}, dim, &g).ok());
  return g;
}

// Start points spread over several scales, so that the chains take different steps.
std::vector<float> Starts(size_t n, size_t dim, float scale) {
  std::vector<float> y(n * dim);
  FillNormal(9, RandomStream::kInit, 0, 0, y.data(), y.size());
  for (size_t i = 0; i < n * dim; ++i) y[i] = kMean + scale * float(1 + (i / dim) % 5) * y[i];
  return y;
}

// The largest error of the run's end states against the closed form, relative to the size of x −
// μ; *evaluations gets the mean evaluations per chain.
double WorstError(size_t n, size_t dim, float from, float to, double tol, ThreadPool* pool,
                  double* evaluations = nullptr) {
  const auto g = OneGaussian(dim);
  const ProbabilityFlowOde ode(g.get());
  const std::vector<float> start = Starts(n, dim, from);
  std::unique_ptr<DormandPrinceRun> run;
  DormandPrinceOptions o;
  o.sigma_from = from;
  o.sigma_to = to;
  o.rtol = o.atol = tol;
  EXPECT_TRUE(DormandPrinceRun::Create(&ode, start.data(), dim, n, o, pool, 0, &run).ok());
  while (!run->done()) EXPECT_TRUE(run->Step(10).ok());
  const double ratio = std::sqrt((double{kStd} * kStd + double{to} * to) /
                                 (double{kStd} * kStd + double{from} * from));
  double worst = 0;
  for (size_t i = 0; i < n * dim; ++i) {
    const double want = kMean + (start[i] - kMean) * ratio;
    worst = std::max(worst, std::fabs(run->state()[i] - want) / (std::fabs(want - kMean) + 1));
  }
  if (evaluations) *evaluations = run->evaluations();
  return worst;
}

// Decoding (σ 50 → 0.01) contracts x − μ by 125×, so its error stays within a few tolerances;
// encoding (0.01 → 50) expands it by as much and carries the errors of its early steps along
// (measured worst: 0.093, 0.044 and 9.9e-5 at 1e-3, 1e-5 and 1e-7), so it is held to the
// tolerance times the expansion, and to shrinking with the tolerance.
TEST(DormandPrince, ErrorFollowsTheToleranceBothWays) {
  ThreadPool pool(2);
  const double expansion = std::sqrt((double{kStd} * kStd + 2500) / (double{kStd} * kStd + 1e-4));
  double previous_evaluations = 0, loosest_encode = 0, tightest_encode = 0;
  for (double tol : {1e-3, 1e-5, 1e-7}) {
    SCOPED_TRACE(tol);
    double evaluations = 0;
    EXPECT_LT(WorstError(200, 3, 50, 0.01f, tol, &pool, &evaluations), 30 * tol);
    const double encode = WorstError(200, 3, 0.01f, 50, tol, &pool);
    EXPECT_LT(encode, 100 * tol * expansion);
    if (tol == 1e-3) loosest_encode = encode;
    tightest_encode = encode;
    EXPECT_GT(evaluations, previous_evaluations) << "a tighter tolerance takes more steps";
    previous_evaluations = evaluations;
  }
  EXPECT_LT(tightest_encode, loosest_encode / 100);
}

// A chain's trajectory is its own: the same bits alone, in a batch of 64 and on 1 or 2 threads,
// though the chains (at five different scales) take different steps.
TEST(DormandPrince, EachChainIsItsOwnForAnyBatchAndThreadCount) {
  const auto g = OneGaussian(2);
  const ProbabilityFlowOde ode(g.get());
  DormandPrinceOptions o;
  o.sigma_from = 20;
  o.sigma_to = 0.05f;
  ThreadPool pool(2);
  const size_t n = 64;
  const std::vector<float> start = Starts(n, 2, 20);
  auto run_all = [&](const std::vector<float>& y, size_t count, ThreadPool* p) {
    std::unique_ptr<DormandPrinceRun> run;
    EXPECT_TRUE(DormandPrinceRun::Create(&ode, y.data(), 2, count, o, p, 0, &run).ok());
    while (!run->done()) EXPECT_TRUE(run->Step(1000).ok());
    return std::make_pair(run->state(), run->accepted_steps());
  };
  const auto [serial, serial_steps] = run_all(start, n, nullptr);
  const auto [pooled, pooled_steps] = run_all(start, n, &pool);
  EXPECT_EQ(serial, pooled);
  EXPECT_EQ(serial_steps, pooled_steps);
  int64_t alone_steps_total = 0, fewest = INT64_MAX, most = 0;
  for (size_t i : {size_t{0}, size_t{3}, size_t{4}, size_t{63}}) {
    const std::vector<float> one(start.begin() + 2 * i, start.begin() + 2 * i + 2);
    const auto [alone, alone_steps] = run_all(one, 1, nullptr);
    EXPECT_EQ(alone[0], serial[2 * i]) << "chain " << i;
    EXPECT_EQ(alone[1], serial[2 * i + 1]) << "chain " << i;
    alone_steps_total += alone_steps;
    fewest = std::min(fewest, alone_steps);
    most = std::max(most, alone_steps);
  }
  EXPECT_LT(fewest, most) << "the chains should take different numbers of steps";
}

// dy/du = y² from y = 1 blows up at u = 1 (σ = e): the solver must stop with an error, keep it,
// and never report done.
class BlowUp : public ChainOde {
 public:
  size_t state_dim() const override { return 1; }
  int64_t evaluations_per_row() const override { return 1; }
  size_t min_rows_per_task() const override { return 8; }
  uint64_t scratch_bytes(size_t) const override { return 0; }
  void Derivative(const double* y, const float*, const size_t*, size_t rows,
                  double* dy) const override {
    for (size_t r = 0; r < rows; ++r) dy[r] = y[r] * y[r];
  }
};

TEST(DormandPrince, ABlowUpFailsWithAnErrorThatStays) {
  const BlowUp ode;
  DormandPrinceOptions o;
  o.sigma_from = 1;
  o.sigma_to = 10;  // u from 0 to 2.3
  std::unique_ptr<DormandPrinceRun> run;
  const float start[] = {1.0f, 0.5f};
  ASSERT_TRUE(DormandPrinceRun::Create(&ode, start, 1, 2, o, nullptr, 0, &run).ok());
  Status s;
  for (int i = 0; i < 100000 && s.ok() && !run->done(); ++i) s = run->Step(100);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(run->done());
  EXPECT_EQ(run->Step(1).code(), StatusCode::kInvalidArgument);
  EXPECT_LT(run->fraction(), 1);
}

TEST(DormandPrince, RejectsBadOptions) {
  const auto g = OneGaussian(2);
  const ProbabilityFlowOde ode(g.get());
  std::unique_ptr<DormandPrinceRun> run;
  DormandPrinceOptions o;
  o.sigma_from = 1;
  o.sigma_to = 1;
  const float zeros[3] = {0, 0, 0};
  EXPECT_EQ(DormandPrinceRun::Create(&ode, zeros, 2, 1, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  o.sigma_to = 0.1f;
  EXPECT_EQ(DormandPrinceRun::Create(&ode, zeros, 3, 1, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument)
      << "more start values per chain than the state holds";
  EXPECT_EQ(DormandPrinceRun::Create(&ode, zeros, 0, 1, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DormandPrinceRun::Create(&ode, zeros, 2, 0, o, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  for (double tol : {0.0, -1e-5, 1.0, double(NAN), double(INFINITY)}) {
    o.rtol = tol;
    EXPECT_EQ(DormandPrinceRun::Create(&ode, zeros, 2, 1, o, nullptr, 0, &run).code(),
              StatusCode::kInvalidArgument)
        << tol;
  }
}

}  // namespace
}  // namespace sw
