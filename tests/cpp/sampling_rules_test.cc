// ResolveSamplerOptions: the caller's options over the model file's settings, the library's
// defaults where neither says anything, and a named error for an option of the other sampler.
#include "samplers/sampling_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/config_json.h"

namespace sw {
namespace {

const std::string kFile =
    R"({"sigmas":[4,2,1],"sampling":{"sampler":"annealed-langevin","steps_per_level":7,)"
    R"("step_size":0.25,"denoise":false}})";
const std::string kFileWithoutSteps = R"({"sigmas":[4,2,1],"sampling":{}})";

SamplerOptions Resolve(const std::string& config, const SamplingRequest& request) {
  SamplerOptions out;
  const Status s = ResolveSamplerOptions(config, 1e-6f, request, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void ExpectRefused(const std::string& config, const SamplingRequest& request,
                   const std::string& fragment) {
  SamplerOptions out;
  out.steps_per_level = 12345;
  const Status s = ResolveSamplerOptions(config, 0.0f, request, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  EXPECT_EQ(out.steps_per_level, 12345);  // unchanged on error
}

TEST(SamplingRules, TheFileFillsWhatTheCallerLeavesOut) {
  const SamplerOptions o = Resolve(kFile, SamplingRequest());
  EXPECT_EQ(o.kind, SamplerKind::kAnnealedLangevin);
  EXPECT_EQ(o.sigmas, (std::vector<float>{4, 2, 1}));
  EXPECT_EQ(o.steps_per_level, 7);
  EXPECT_EQ(o.step_size, 0.25f);
  EXPECT_FALSE(o.denoise);
  // A "sampling" block's omitted keys take the documented defaults (SamplingDefaults).
  const SamplerOptions d = Resolve(kFileWithoutSteps, SamplingRequest());
  EXPECT_EQ(d.steps_per_level, SamplingDefaults().steps_per_level);
  EXPECT_EQ(d.step_size, static_cast<float>(SamplingDefaults().step_size));
  EXPECT_TRUE(d.denoise);
}

TEST(SamplingRules, TheCallerOverridesTheFile) {
  SamplingRequest r;
  r.sigmas = {3, 1};
  r.steps_per_level = 2;
  r.step_size = 0.5f;
  r.denoise = 1;
  r.seed = 99;
  const SamplerOptions o = Resolve(kFile, r);
  EXPECT_EQ(o.sigmas, (std::vector<float>{3, 1}));
  EXPECT_EQ(o.steps_per_level, 2);
  EXPECT_EQ(o.step_size, 0.5f);
  EXPECT_TRUE(o.denoise);
  EXPECT_EQ(o.seed, 99u);
}

TEST(SamplingRules, AFileSdeSamplerBringsItsSteps) {
  const std::string ode =
      R"({"sigmas":[4,2,1],"sampling":{"sampler":"ode","steps_per_level":7,"step_size":0.25,)"
      R"("denoise":true,"steps":12}})";
  const SamplerOptions o = Resolve(ode, SamplingRequest());
  EXPECT_EQ(o.kind, SamplerKind::kProbabilityFlowHeun);
  EXPECT_EQ(o.sigmas.size(), 12u);
  EXPECT_EQ(o.sigmas.front(), 4.0f);
  EXPECT_EQ(o.sigmas.back(), 1.0f);
  EXPECT_TRUE(o.denoise);
  SamplingRequest steps;
  steps.steps = 5;
  EXPECT_EQ(Resolve(ode, steps).sigmas.size(), 5u);  // the caller's steps win
  // They are advice for the file's sampler only: another one keeps its own default, and the
  // annealed sampler keeps the file's steps per level.
  SamplingRequest pc;
  pc.sampler = "pc";
  EXPECT_EQ(Resolve(ode, pc).sigmas.size(), static_cast<size_t>(kDefaultSdeSteps));
  SamplingRequest annealed;
  annealed.sampler = "annealed-langevin";
  EXPECT_EQ(Resolve(ode, annealed).steps_per_level, 7);
  // Written back only when set, so files without them keep their bytes.
  SamplingDefaults defaults;
  std::string text;
  ASSERT_TRUE(config_json::WithSampling("{}", defaults, &text).ok());
  EXPECT_EQ(text.find("\"steps\""), std::string::npos) << text;
  defaults.steps = 30;
  ASSERT_TRUE(config_json::WithSampling("{}", defaults, &text).ok());
  EXPECT_NE(text.find("\"steps\":30"), std::string::npos) << text;
  // A file's steps must be 2 to 2^20.
  SamplerOptions out;
  for (const char* bad : {R"({"sampling":{"steps":1}})", R"({"sampling":{"steps":"9"}})"}) {
    EXPECT_EQ(ResolveSamplerOptions(bad, 1e-6f, SamplingRequest(), &out).code(),
              StatusCode::kInvalidModel)
        << bad;
  }
}

TEST(SamplingRules, AFilePcSamplerBringsItsSnr) {
  const std::string pc =
      R"({"sigmas":[4,2,1],"sampling":{"sampler":"pc","steps_per_level":7,"step_size":0.25,)"
      R"("denoise":true,"steps":12,"snr":0.3}})";
  const SamplerOptions o = Resolve(pc, SamplingRequest());
  EXPECT_EQ(o.kind, SamplerKind::kPredictorCorrector);
  EXPECT_EQ(o.snr, 0.3f);
  EXPECT_EQ(o.sigmas.size(), 12u);
  SamplingRequest caller;
  caller.snr = 0.2f;
  EXPECT_EQ(Resolve(pc, caller).snr, 0.2f);  // the caller's snr wins
  // Without one in the file, pc keeps its default.
  const std::string plain_pc = R"({"sigmas":[4,2,1],"sampling":{"sampler":"pc"}})";
  EXPECT_EQ(Resolve(plain_pc, SamplingRequest()).snr, SamplerOptions().snr);
  // Advice for the file's own sampler only: a file that advises reverse-diffusion with an snr
  // (which the trainer never writes) leaves a caller's pc at the default, and another sampler
  // ignores it.
  const std::string rd =
      R"({"sigmas":[4,2,1],"sampling":{"sampler":"reverse-diffusion","snr":0.3}})";
  SamplingRequest ask_pc;
  ask_pc.sampler = "pc";
  EXPECT_EQ(Resolve(rd, ask_pc).snr, SamplerOptions().snr);
  EXPECT_EQ(Resolve(rd, SamplingRequest()).kind, SamplerKind::kReverseDiffusion);
  // Written back only when set, so files without it keep their bytes.
  SamplingDefaults defaults;
  std::string text;
  ASSERT_TRUE(config_json::WithSampling("{}", defaults, &text).ok());
  EXPECT_EQ(text.find("\"snr\""), std::string::npos) << text;
  defaults.sampler = "pc";
  defaults.snr = 0.3;
  ASSERT_TRUE(config_json::WithSampling("{}", defaults, &text).ok());
  EXPECT_NE(text.find("\"snr\":0.3"), std::string::npos) << text;
  // A file's snr must be a number in (0, kMaxSnr].
  SamplerOptions out;
  for (const char* bad :
       {R"({"sampling":{"sampler":"pc","snr":0}})", R"({"sampling":{"sampler":"pc","snr":-0.3}})",
        R"({"sampling":{"sampler":"pc","snr":11}})", R"({"sampling":{"sampler":"pc","snr":1e999}})",
        R"({"sampling":{"sampler":"pc","snr":"0.3"}})",
        R"({"sampling":{"sampler":"pc","snr":null}})"}) {
    const Status s = ResolveSamplerOptions(bad, 1e-6f, SamplingRequest(), &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << bad;
  }
}

TEST(SamplingRules, AGeometricScheduleIsGeometricSigmas) {
  SamplingRequest r;
  r.sigmas_max = 20, r.sigmas_min = 0.5f, r.sigmas_levels = 9;
  std::vector<float> expected;
  ASSERT_TRUE(GeometricSigmas(20, 0.5f, 9, &expected).ok());
  EXPECT_EQ(Resolve(kFile, r).sigmas, expected);
  r.sigmas = {1};
  ExpectRefused(kFile, r, "not both");
  r.sigmas.clear();
  r.sigmas_min = 30;
  ExpectRefused(kFile, r, "geometric schedule needs");
}

TEST(SamplingRules, PlainLangevinRunsAtTheSmallestTrainedSigma) {
  SamplingRequest r;
  r.sampler = "langevin";
  const SamplerOptions o = Resolve(kFile, r);
  EXPECT_EQ(o.kind, SamplerKind::kLangevin);
  EXPECT_EQ(o.sigmas, (std::vector<float>{1}));
  EXPECT_EQ(o.steps_per_level, 7);  // the file's steps per level
  r.has_sigma = true, r.sigma = 0.5f, r.steps = 3;
  EXPECT_EQ(Resolve(kFile, r).sigmas, (std::vector<float>{0.5f}));
  EXPECT_EQ(Resolve(kFile, r).steps_per_level, 3);
}

TEST(SamplingRules, OptionsOfTheOtherSamplerAreNamed) {
  SamplingRequest r;
  r.steps = 5;
  ExpectRefused(kFile, r, "unknown option 'steps' for sampler 'annealed-langevin'");
  r = SamplingRequest();
  r.has_sigma = true;
  ExpectRefused(kFile, r, "unknown option 'sigma' for sampler 'annealed-langevin'");
  r = SamplingRequest();
  r.sampler = "langevin";
  r.steps_per_level = 5;
  ExpectRefused(kFile, r, "unknown option 'stepsPerLevel' for sampler 'langevin'");
  r.steps_per_level = 0;
  r.denoise = 0;
  ExpectRefused(kFile, r, "unknown option 'denoise' for sampler 'langevin'");
  r = SamplingRequest();
  r.sampler = "euler";
  ExpectRefused(kFile, r, "sampler must be one of 'langevin', 'annealed-langevin'");
}

// A model without a config (the Gaussian mixture): the caller must say what the file would.
TEST(SamplingRules, WithoutAFileTheCallerMustGiveLevelsAndStepSize) {
  SamplingRequest r;
  ExpectRefused("{}", r, "sigmas is required");
  r.sigmas = {2, 1};
  ExpectRefused("{}", r, "stepSize is required");
  r.step_size = 0.1f;
  const SamplerOptions o = Resolve("{}", r);
  EXPECT_EQ(o.steps_per_level, 100);  // NCSN's T
  EXPECT_FALSE(o.denoise);
  r = SamplingRequest();
  r.sampler = "langevin";
  r.step_size = 0.1f;
  ExpectRefused("", r, "steps is required");
  r.steps = 4;
  SamplerOptions plain;
  ASSERT_TRUE(ResolveSamplerOptions("", 0.0f, r, &plain).ok());
  EXPECT_EQ(plain.sigmas, (std::vector<float>{0.0f}));  // the model's minimum: exact score
}

}  // namespace
}  // namespace sw
