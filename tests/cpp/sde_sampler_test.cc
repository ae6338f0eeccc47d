// The reverse-SDE and probability-flow samplers on exact Gaussian-mixture scores: mode weights
// within sampling error and each mode's spread within a few per cent, the corrector's step rule on
// a 12-D mixture, 'pc' without correctors equal to reverse diffusion bit for bit, determinism for
// any thread count, and the schedules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace sw {
namespace {

// Two modes in `dim` dimensions: weight 0.3 at (-4, ..., -4) with std 0.5, weight 0.7 at
// (4, ..., 4) with std 1. score_scale != 1 breaks the score on purpose (it must fail the checks).
class TwoModes : public ScoreModel {
 public:
  explicit TwoModes(size_t dim, float score_scale = 1.0f) : scale_(score_scale) {
    std::vector<float> means(2 * dim);
    for (size_t j = 0; j < dim; ++j) means[j] = -4, means[dim + j] = 4;
    EXPECT_TRUE(GaussianMixture::Create({0.3f, 0.7f}, means, {0.5f, 1.0f}, dim, &gmm_).ok());
  }
  size_t dim() const override { return gmm_->dim(); }
  float min_sigma() const override { return 0; }
  uint64_t scratch_bytes_per_thread() const override { return gmm_->scratch_bytes_per_thread(); }
  void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const override {
    gmm_->ScoreRows(x, n, sigma, out);
    for (size_t i = 0; i < n * dim(); ++i) out[i] *= scale_;
  }
  void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                    float* out) const override {
    gmm_->ScoreVjpRows(x, n, sigma, v, out);
    for (size_t i = 0; i < n * dim(); ++i) out[i] *= scale_;
  }

 private:
  std::unique_ptr<GaussianMixture> gmm_;
  float scale_;
};

struct ModeStats {
  double small_fraction = 0;
  double small_std = 0, large_std = 0;  // per coordinate, about the true means
  size_t small = 0, large = 0;
};

ModeStats Stats(const std::vector<float>& x, size_t dim) {
  ModeStats s;
  double ss_small = 0, ss_large = 0;
  for (size_t i = 0; i < x.size(); i += dim) {
    double sum = 0;
    for (size_t j = 0; j < dim; ++j) sum += x[i + j];
    const bool small = sum < 0;
    const double mean = small ? -4 : 4;
    for (size_t j = 0; j < dim; ++j) {
      const double d = x[i + j] - mean;
      (small ? ss_small : ss_large) += d * d;
    }
    ++(small ? s.small : s.large);
  }
  s.small_fraction = double(s.small) / double(s.small + s.large);
  s.small_std = std::sqrt(ss_small / double(s.small * dim));
  s.large_std = std::sqrt(ss_large / double(s.large * dim));
  return s;
}

// "ode-rk45" is the 'ode' sampler with solver 'rk45' (steps unused).
SamplerOptions Resolved(const std::string& sampler, int steps, bool denoise = true) {
  SamplingRequest request;
  request.sampler = sampler == "ode-rk45" ? "ode" : sampler;
  if (sampler == "ode-rk45") {
    request.solver = "rk45";
  } else {
    request.steps = steps;
  }
  request.sigma_max = 100;
  request.sigma_min = 0.01f;
  request.denoise = denoise ? 1 : 0;
  request.seed = 11;
  SamplerOptions o;
  EXPECT_TRUE(ResolveSamplerOptions("{}", 0, request, &o).ok());
  return o;
}

// Weights within 4 standard errors of a proportion plus 0.01; each mode's std within 4 standard
// errors of the sample std (σ / √(2 m) for m values) plus `bias` (relative) for the
// discretisation. The 0.01: the VE prior N(0, σ_max² I) stands in for p_σmax, whose mean sits 1.6
// per coordinate off the origin here; the ODE maps that offset straight into the weights (0.337
// at σ_max = 20, 0.311 at σ_max = 100, against 0.299 and 0.301 for the stochastic samplers).
// The figures are printed (README.md quotes them).
void ExpectRecoversTheMixture(const ModeStats& s, size_t dim, double bias) {
  const size_t n = s.small + s.large;
  std::printf("  small mode's weight %.4f (0.3), spreads / truth: small %.4f, large %.4f\n",
              s.small_fraction, s.small_std / 0.5, s.large_std);
  EXPECT_NEAR(s.small_fraction, 0.3, 4 * std::sqrt(0.3 * 0.7 / double(n)) + 0.01);
  const double small_tol = 4 / std::sqrt(2.0 * double(s.small * dim)) + bias;
  const double large_tol = 4 / std::sqrt(2.0 * double(s.large * dim)) + bias;
  EXPECT_NEAR(s.small_std / 0.5, 1.0, small_tol) << "small mode";
  EXPECT_NEAR(s.large_std / 1.0, 1.0, large_tol) << "large mode";
}

constexpr size_t kChains = 20000;

TEST(SdeSampler, ReverseDiffusionRecoversWeightsAndSpreads) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::vector<float> x;
  ASSERT_TRUE(Sample(model, kChains, Resolved("reverse-diffusion", 500), &pool, 0, &x).ok());
  ExpectRecoversTheMixture(Stats(x, 2), 2, 0.02);
}

TEST(SdeSampler, PredictorCorrectorRecoversWeightsAndSpreads) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::vector<float> x;
  ASSERT_TRUE(Sample(model, kChains, Resolved("pc", 200), &pool, 0, &x).ok());
  ExpectRecoversTheMixture(Stats(x, 2), 2, 0.02);
}

TEST(SdeSampler, ProbabilityFlowHeunRecoversWeightsAndSpreads) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::unique_ptr<SamplerRun> run;
  ASSERT_TRUE(SamplerRun::Create(&model, kChains, Resolved("ode", 40), &pool, 0, &run).ok());
  ASSERT_TRUE(run->Step(run->total_steps()).ok());
  EXPECT_EQ(run->evaluations(), 2 * 39 + 1);  // 39 Heun steps and the denoising step
  ExpectRecoversTheMixture(Stats(run->samples(), 2), 2, 0.02);
}

// The adaptive solver at its default tolerances (1e-5): measured 112 evaluations per chain here.
TEST(SdeSampler, ProbabilityFlowRk45RecoversWeightsAndSpreads) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::unique_ptr<SamplerRun> run;
  ASSERT_TRUE(SamplerRun::Create(&model, kChains, Resolved("ode-rk45", 0), &pool, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 0) << "adaptive: found as it goes";
  EXPECT_EQ(run->fraction(), 0);
  double last = 0;
  while (!run->done()) {
    ASSERT_TRUE(run->Step(5).ok());
    EXPECT_GE(run->fraction(), last);
    last = run->fraction();
  }
  EXPECT_EQ(run->fraction(), 1);
  EXPECT_GT(run->evaluations(), 20);
  EXPECT_LT(run->evaluations(), 1000);
  std::printf("  %.1f evaluations per sample\n", run->evaluations());
  ExpectRecoversTheMixture(Stats(run->samples(), 2), 2, 0.02);
}

// The corrector's ε_i = 2 (snr σ_i)² is constant per level, so it neither depends on the batch nor
// on the noise it adds; on a 12-D mixture (where per-sample norms were 9-18 % too wide) the
// spreads come out right.
TEST(SdeSampler, CorrectorStepRuleIsUnbiasedIn12Dimensions) {
  const TwoModes model(12);
  ThreadPool pool(2);
  std::vector<float> x;
  SamplerOptions o = Resolved("pc", 100);
  o.corrector_steps = 2;
  ASSERT_TRUE(Sample(model, 4000, o, &pool, 0, &x).ok());
  ExpectRecoversTheMixture(Stats(x, 12), 12, 0.02);
}

// The checks can fail: a score 10 % too weak leaves every spread wider than its tolerance.
TEST(SdeSampler, AWeakenedScoreFailsTheSpreadCheck) {
  const TwoModes weak(2, 0.9f);
  ThreadPool pool(2);
  for (const char* sampler : {"reverse-diffusion", "pc", "ode", "ode-rk45"}) {
    SCOPED_TRACE(sampler);
    std::vector<float> x;
    const int steps = std::string(sampler) == "ode" ? 40 : 200;
    ASSERT_TRUE(Sample(weak, kChains, Resolved(sampler, steps), &pool, 0, &x).ok());
    const ModeStats s = Stats(x, 2);
    const double large_tol = 4 / std::sqrt(2.0 * double(s.large * 2)) + 0.02;
    EXPECT_GT(std::fabs(s.large_std - 1.0), large_tol) << s.large_std;
  }
}

// `request` (solver, steps or tolerances) as the 'ode' encoding of `data`, σ from 0.01 up to 100.
SamplingRequest EncodeRequest(SamplingRequest request, const std::vector<float>& data) {
  request.sampler = "ode";
  request.sigma_max = 100;
  request.sigma_min = 0.01f;
  request.encode = true;
  request.init = InitKind::kGiven;
  request.init_points = data;
  return request;
}

// Encodes `data` (the mixture's samples) with EncodeRequest(request, data) into *latents, decodes
// them back, and returns the largest coordinate error of decode(encode(x)).
double RoundTripError(const ScoreModel& model, ThreadPool* pool, const SamplingRequest& given,
                      const std::vector<float>& data, std::vector<float>* latents) {
  const size_t n = data.size() / model.dim();
  SamplingRequest request = EncodeRequest(given, data);
  SamplerOptions encode, decode;
  EXPECT_TRUE(ResolveSamplerOptions("{}", 0, request, &encode).ok());
  EXPECT_EQ(encode.sigmas.front(), 0.01f);
  EXPECT_EQ(encode.sigmas.back(), 100.0f);
  EXPECT_FALSE(encode.denoise);
  EXPECT_TRUE(Sample(model, n, encode, pool, 0, latents).ok());
  request.encode = false;
  request.denoise = 0;
  request.init_points = *latents;
  EXPECT_TRUE(ResolveSamplerOptions("{}", 0, request, &decode).ok());
  std::vector<float> back;
  EXPECT_TRUE(Sample(model, n, decode, pool, 0, &back).ok());
  double worst = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    worst = std::max(worst, double(std::fabs(back[i] - data[i])));
  }
  return worst;
}

// The probability-flow ODE both ways: encoding mixture samples from σ_min up to σ_max gives
// latents distributed as N(0, σ_max² I) (the VE prior), and decoding them over the same levels in
// reverse returns the points within the solver's error.
TEST(SdeSampler, DecodeOfEncodeReturnsThePoints) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::vector<float> data, latents;
  ASSERT_TRUE(Sample(model, 4000, Resolved("pc", 200), &pool, 0, &data).ok());
  SamplingRequest request;
  request.steps = 200;
  EXPECT_LT(RoundTripError(model, &pool, request, data, &latents), 0.05);
  double sum2 = 0;
  for (float v : latents) sum2 += double(v) * v;
  EXPECT_NEAR(std::sqrt(sum2 / latents.size()) / 100, 1.0, 0.03);
  // Encoding takes given points and no denoising, and only the ODE encodes.
  request = EncodeRequest(request, data);
  request.denoise = 1;
  SamplerOptions o;
  EXPECT_EQ(ResolveSamplerOptions("{}", 0, request, &o).code(), StatusCode::kInvalidArgument);
  request.denoise = -1;
  request.init = InitKind::kGaussian;
  EXPECT_EQ(ResolveSamplerOptions("{}", 0, request, &o).code(), StatusCode::kInvalidArgument);
  request.init = InitKind::kGiven;
  request.sampler = "pc";
  EXPECT_EQ(ResolveSamplerOptions("{}", 0, request, &o).code(), StatusCode::kInvalidArgument);
}

// With the adaptive solver at rtol = atol = 1e-6 the round trip is ten times tighter.
TEST(SdeSampler, DecodeOfEncodeReturnsThePointsRk45) {
  const TwoModes model(2);
  ThreadPool pool(2);
  std::vector<float> data, latents;
  ASSERT_TRUE(Sample(model, 2000, Resolved("pc", 200), &pool, 0, &data).ok());
  SamplingRequest request;
  request.solver = "rk45";
  request.rtol = request.atol = 1e-6;
  EXPECT_LT(RoundTripError(model, &pool, request, data, &latents), 0.005);
}

TEST(SdeSampler, PcWithoutCorrectorsIsReverseDiffusionBitForBit) {
  const TwoModes model(2);
  SamplerOptions pc = Resolved("pc", 50), rd = Resolved("reverse-diffusion", 50);
  pc.corrector_steps = 0;
  std::vector<float> a, b;
  ASSERT_TRUE(Sample(model, 300, pc, nullptr, 0, &a).ok());
  ASSERT_TRUE(Sample(model, 300, rd, nullptr, 0, &b).ok());
  EXPECT_EQ(a, b);
}

TEST(SdeSampler, BitIdenticalForAnyThreadCount) {
  const TwoModes model(2);
  ThreadPool pool(2), pool3(3);
  for (const char* sampler : {"reverse-diffusion", "pc", "ode", "ode-rk45"}) {
    SCOPED_TRACE(sampler);
    const SamplerOptions o = Resolved(sampler, 20);
    std::vector<float> serial, one, two, three;
    ASSERT_TRUE(Sample(model, 1000, o, nullptr, 0, &serial).ok());
    ASSERT_TRUE(Sample(model, 1000, o, &pool, 1, &one).ok());
    ASSERT_TRUE(Sample(model, 1000, o, &pool, 2, &two).ok());
    ASSERT_TRUE(Sample(model, 1000, o, &pool3, 0, &three).ok());
    EXPECT_EQ(serial, one);
    EXPECT_EQ(serial, two);
    EXPECT_EQ(serial, three);
  }
}

// Steps and levels: reverse diffusion one step per level with the denoising folded into the last;
// pc (k + 1) per level; the ODE one Heun step between levels plus the denoising step. The last
// reverse-diffusion step with denoise is x + σ_min² s(x, σ_min), without noise.
TEST(SdeSampler, StepCountsAndTheDenoisingStep) {
  const TwoModes model(2);
  std::unique_ptr<SamplerRun> run;
  ASSERT_TRUE(
      SamplerRun::Create(&model, 4, Resolved("reverse-diffusion", 10), nullptr, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 10);
  EXPECT_EQ(run->steps_per_level(), 1);
  ASSERT_TRUE(run->Step(9).ok());
  EXPECT_EQ(run->level(), 9);
  std::vector<float> before = run->samples(), score(before.size());
  ScoreRowsAt(model, before.data(), 4, 0.01f, score.data());
  ASSERT_TRUE(run->Step(1).ok());
  ASSERT_TRUE(run->done());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_FLOAT_EQ(run->samples()[i], before[i] + 0.01f * 0.01f * score[i]);
  }
  SamplerOptions pc = Resolved("pc", 10);
  pc.corrector_steps = 3;
  ASSERT_TRUE(SamplerRun::Create(&model, 4, pc, nullptr, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 40);
  EXPECT_EQ(run->steps_per_level(), 4);
  ASSERT_TRUE(SamplerRun::Create(&model, 4, Resolved("ode", 10, false), nullptr, 0, &run).ok());
  EXPECT_EQ(run->total_steps(), 9);
}

TEST(SdeSampler, OptionsBelongToTheirSampler) {
  SamplingRequest r;
  SamplerOptions o;
  r.sampler = "pc";
  EXPECT_EQ(ResolveSamplerOptions("{}", 0, r, &o).code(), StatusCode::kInvalidArgument)
      << "a mixture has no trained sigmas: sigmaMax is required";
  r.sigma_max = 10, r.sigma_min = 0.1f;
  ASSERT_TRUE(ResolveSamplerOptions("{}", 0, r, &o).ok());
  EXPECT_EQ(o.kind, SamplerKind::kPredictorCorrector);
  EXPECT_EQ(o.sigmas.size(), size_t(kDefaultSdeSteps));
  EXPECT_EQ(o.corrector_steps, 1);
  EXPECT_FLOAT_EQ(o.snr, 0.16f);
  for (const auto& [sampler, field] : std::vector<std::pair<const char*, int>>{
           {"reverse-diffusion", 0}, {"ode", 0}, {"pc", 1}, {"pc", 2}, {"annealed-langevin", 3}}) {
    SamplingRequest bad = r;
    bad.sampler = sampler;
    if (field == 0) bad.corrector_steps = 2;
    if (field == 1) bad.step_size = 0.1f;
    if (field == 2) bad.solver = "heun";
    if (field == 3) bad.snr = 0.2f;
    const Status s = ResolveSamplerOptions("{}", 0, bad, &o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << sampler << " " << field;
    EXPECT_NE(s.message().find("unknown option"), std::string::npos) << s.message();
  }
  // The adaptive solver: its two ends, its tolerances, and no steps.
  r.sampler = "ode";
  r.solver = "rk45";
  ASSERT_TRUE(ResolveSamplerOptions("{}", 0, r, &o).ok());
  EXPECT_EQ(o.kind, SamplerKind::kProbabilityFlowRk45);
  EXPECT_EQ(o.sigmas, (std::vector<float>{10.0f, 0.1f}));
  EXPECT_EQ(o.rtol, kDefaultOdeTolerance);
  EXPECT_EQ(o.atol, kDefaultOdeTolerance);
  for (int field = 0; field < 5; ++field) {
    SamplingRequest bad = r;
    if (field == 0) bad.steps = 30;
    if (field == 1) bad.rtol = -1e-3;
    if (field == 2) bad.atol = NAN;
    if (field == 3) bad.solver = "rk4";
    if (field == 4) bad.rtol = 1;
    EXPECT_EQ(ResolveSamplerOptions("{}", 0, bad, &o).code(), StatusCode::kInvalidArgument)
        << field;
  }
  for (const char* sampler : {"ode", "pc", "annealed-langevin"}) {
    SamplingRequest bad = r;
    bad.sampler = sampler;
    bad.solver = "";
    bad.atol = 1e-4;
    if (std::string(sampler) == "annealed-langevin") bad.sigma_max = bad.sigma_min = 0;
    const Status s = ResolveSamplerOptions("{}", 0, bad, &o);
    EXPECT_NE(s.message().find("unknown option 'atol'"), std::string::npos) << s.message();
  }
  // Defaults from a model file: its largest and smallest trained σ.
  r = SamplingRequest();
  r.sampler = "ode";
  ASSERT_TRUE(ResolveSamplerOptions(R"({"sigmas":[5,1,0.2]})", 0, r, &o).ok());
  EXPECT_EQ(o.sigmas.size(), size_t(kDefaultOdeSteps));
  EXPECT_FLOAT_EQ(o.sigmas.front(), 5.0f);
  EXPECT_FLOAT_EQ(o.sigmas.back(), 0.2f);
  // Bad values are the run's to refuse.
  const TwoModes model(2);
  std::unique_ptr<SamplerRun> run;
  SamplerOptions pc = Resolved("pc", 10);
  pc.snr = -1;
  EXPECT_EQ(SamplerRun::Create(&model, 4, pc, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  pc.snr = 0.16f;
  pc.corrector_steps = -1;
  EXPECT_EQ(SamplerRun::Create(&model, 4, pc, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  SamplerOptions ode = Resolved("ode", 10);
  ode.sigmas.resize(1);
  EXPECT_EQ(SamplerRun::Create(&model, 4, ode, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  SamplerOptions rk45 = Resolved("ode-rk45", 0);
  rk45.sigmas = {10, 1, 0.1f};
  EXPECT_EQ(SamplerRun::Create(&model, 4, rk45, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
  rk45 = Resolved("ode-rk45", 0);
  rk45.rtol = 0;
  EXPECT_EQ(SamplerRun::Create(&model, 4, rk45, nullptr, 0, &run).code(),
            StatusCode::kInvalidArgument);
}

// Inpainting on the 2-D mixture: x0 = 4 is known, which rules out the mode at (-4, -4) (std 0.5:
// 16 standard deviations away), so x1 must follow that mode's conditional N(4, 1); the output holds
// x0 exactly. Replacing the known values by noised data is an approximation; measured here (10 000
// chains, seed 11): reverse diffusion puts 99.8 % of the chains on the right mode but with mean
// 3.81 and std 1.09 (200 or 1000 steps alike), the corrector of 'pc' brings that to 3.95 / 1.01 at
// 200 steps and 3.98 / 0.99 at 1000, and annealed Langevin's many steps per level to within the
// sampling error. So annealed Langevin and 'pc' are held to the conditional, reverse diffusion
// only to the mode.
TEST(Inpainting, KnownValuesThatIdentifyAModeGiveItsConditional) {
  const TwoModes model(2);
  ThreadPool pool(2);
  const size_t n = 10000;
  for (const char* sampler : {"annealed-langevin", "pc", "reverse-diffusion"}) {
    SCOPED_TRACE(sampler);
    SamplerOptions o;
    if (std::string(sampler) == "annealed-langevin") {
      o.kind = SamplerKind::kAnnealedLangevin;
      ASSERT_TRUE(GeometricSigmas(100, 0.01f, 100, &o.sigmas).ok());
      o.steps_per_level = 20;
      o.step_size = 2e-5f;
      o.denoise = true;
      o.seed = 3;
    } else {
      o = Resolved(sampler, 500);
    }
    o.known = {4.0f, 0.0f};
    o.mask = {1, 0};
    std::vector<float> x;
    ASSERT_TRUE(Sample(model, n, o, &pool, 0, &x).ok());
    double sum = 0, sum2 = 0;
    size_t on_mode = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(x[2 * i], 4.0f) << "chain " << i;
      sum += x[2 * i + 1];
      sum2 += double(x[2 * i + 1]) * x[2 * i + 1];
      on_mode += x[2 * i + 1] > 0;
    }
    EXPECT_GT(on_mode, n * 99 / 100);
    if (std::string(sampler) == "reverse-diffusion") continue;
    const double mean = sum / n, std = std::sqrt(sum2 / n - mean * mean);
    EXPECT_NEAR(mean, 4.0, 4 / std::sqrt(double(n)) + 0.04);
    EXPECT_NEAR(std, 1.0, 4 / std::sqrt(2.0 * n) + 0.03);
  }
}

// Where the known values leave the mode ambiguous the replacement leans towards the prior weights:
// on modes at (−2, −2) and (2, 2) (std 1, weights 0.3 and 0.7) with x0 = −0.5 known, the exact
// conditional puts 0.760 on the first mode, and the samplers (20 000 chains; the weight read off
// the mean of x1, E[x1] = 2 − 4 p) give, measured: reverse diffusion 0.43 (200 or 1000 levels),
// pc 0.46 / 0.54 (200 / 1000 levels), annealed Langevin 0.50 / 0.62 (20 / 100 levels × 20 steps).
// At x0 = 0.5 (exact 0.055) the same runs give 0.23-0.25, 0.22 / 0.16 and 0.23 / 0.11. Held here:
// between the prior and the exact weight (beyond a sampling error) for each sampler, and closer
// to the exact one for 'pc' than for reverse diffusion.
TEST(Inpainting, AmbiguousKnownValuesLeanTowardsThePriorWeights) {
  std::unique_ptr<GaussianMixture> gmm;
  ASSERT_TRUE(GaussianMixture::Create({0.3f, 0.7f}, {-2, -2, 2, 2}, {1, 1}, 2, &gmm).ok());
  ThreadPool pool(2);
  const size_t n = 20000;
  const float x0 = -0.5f;
  const double l1 = std::log(0.3) - 0.5 * (x0 + 2) * (x0 + 2);
  const double l2 = std::log(0.7) - 0.5 * (x0 - 2) * (x0 - 2);
  const double exact = 1 / (1 + std::exp(l2 - l1));
  // The standard error of (2 − mean) / 4: x1's spread (at most √(1 + 4)) / (4 √n).
  const double se = std::sqrt(5.0 / n) / 4;
  double weight[2] = {0, 0};
  int k = 0;
  for (const char* sampler : {"reverse-diffusion", "pc"}) {
    SCOPED_TRACE(sampler);
    SamplerOptions o = Resolved(sampler, 200);
    o.known = {x0, 0.0f};
    o.mask = {1, 0};
    std::vector<float> x;
    ASSERT_TRUE(Sample(*gmm, n, o, &pool, 0, &x).ok());
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += x[2 * i + 1];
    mean /= n;
    const double p = (2 - mean) / 4;
    std::printf("  %s: first mode's weight %.3f (exact %.3f, prior 0.3)\n", sampler, p, exact);
    EXPECT_GT(p, 0.3 + 4 * se);
    EXPECT_LT(p, exact - 4 * se);
    weight[k++] = p;
  }
  EXPECT_GT(weight[1], weight[0] + 4 * se) << "the corrector should pull towards the conditional";
}

// Per-chain known values (n × dim), bit-identical for any thread count, and bad masks refused.
TEST(Inpainting, PerChainValuesDeterminismAndErrors) {
  const TwoModes model(2);
  SamplerOptions o = Resolved("pc", 30);
  o.known = {4, 0, 0, -4, 1, 2};
  o.mask = {1, 0, 0, 1, 1, 1};
  std::vector<float> serial, pooled;
  ThreadPool pool(2);
  ASSERT_TRUE(Sample(model, 3, o, nullptr, 0, &serial).ok());
  ASSERT_TRUE(Sample(model, 3, o, &pool, 2, &pooled).ok());
  EXPECT_EQ(serial, pooled);
  EXPECT_EQ(serial[0], 4.0f);
  EXPECT_EQ(serial[3], -4.0f);
  EXPECT_EQ(serial[4], 1.0f);
  EXPECT_EQ(serial[5], 2.0f);
  std::unique_ptr<SamplerRun> run;
  const auto refused = [&](SamplerOptions bad) {
    return SamplerRun::Create(&model, 3, bad, nullptr, 0, &run).code() ==
           StatusCode::kInvalidArgument;
  };
  SamplerOptions bad = o;
  bad.mask.pop_back();
  EXPECT_TRUE(refused(bad)) << "mask of neither dim nor n × dim values";
  bad = o;
  bad.known.pop_back();
  EXPECT_TRUE(refused(bad)) << "known and mask of different sizes";
  bad = o;
  bad.mask[0] = 2;
  EXPECT_TRUE(refused(bad)) << "a mask value other than 0 / 1";
  bad = o;
  bad.known[1] = NAN;
  EXPECT_TRUE(refused(bad)) << "a non-finite known value";
  bad = Resolved("ode", 10);
  bad.known = {1, 2};
  bad.mask = {1, 0};
  EXPECT_TRUE(refused(bad)) << "the ODE takes no known values";
}

TEST(KarrasSigmas, SpansMaxToMinDenseNearMin) {
  std::vector<float> s;
  ASSERT_TRUE(KarrasSigmas(80, 0.002f, 18, 7, &s).ok());
  ASSERT_EQ(s.size(), 18u);
  EXPECT_EQ(s.front(), 80.0f);
  EXPECT_EQ(s.back(), 0.002f);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LT(s[i], s[i - 1]);
  // Equal steps in σ^(1/7): the middle level.
  const double mid = std::pow((std::pow(80.0, 1 / 7.0) + std::pow(0.002, 1 / 7.0)) / 2, 7.0);
  std::vector<float> three;
  ASSERT_TRUE(KarrasSigmas(80, 0.002f, 3, 7, &three).ok());
  EXPECT_NEAR(three[1], mid, 1e-5 * mid);
  EXPECT_EQ(KarrasSigmas(1, 1, 3, 7, &s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KarrasSigmas(1, 0.1f, 1, 7, &s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KarrasSigmas(1, 0.1f, 3, 0.5, &s).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sw
