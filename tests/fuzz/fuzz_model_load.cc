// Fuzz target: model file bytes -> sw::LoadScoreModel -> (if it loads) the file's recommended
// sampling options and one sw::ScoreBatch call at n = 1, then a couple of sampler steps when the
// model is small. Nothing here may crash, leak or hit undefined behaviour (ASan + UBSan), and the
// documented contracts are checked (FUZZ_CHECK):
//   - a refused file gives INVALID_MODEL with a bounded message and leaves *out unchanged;
//   - a loaded model has dim() > 0 and a finite min_sigma() >= 0;
//   - the options the file recommends are accepted by the sampler for the same model;
//   - a score call with finite input and a valid sigma succeeds.
// Seeds: tests/fuzz/make_seeds.py (valid shipped and tiny models, and broken ones).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_check.h"
#include "models/model_file.h"
#include "models/score_model.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace {

// Execution budget. A valid but hostile file can describe a network whose single forward pass
// allocates gigabytes or runs for minutes (issue 9, "Loading that no file can break", items 1-2:
// e.g. a U-Net with data_shape [2048, 2048, 1] in a 22 KB file). The loader now states each
// model's working memory (scratch_bytes_per_thread) and refuses calls beyond its budget with
// OUT_OF_MEMORY, but natively that budget is 16 GiB, far above libFuzzer's -malloc_limit_mb and
// -rss_limit_mb, and time is not bounded at all. So the target only loads such files and skips
// the score call, so that one execution stays within -timeout and the memory limits:
//   kMaxScoreDim: values per sample.
//   kMaxScoreScratch: the model's stated scratch per thread. A model that states less than this
//     and allocates more than -malloc_limit_mb in one call is a finding (an understated budget).
//   kMaxScoreCost: file bytes × dim, a proxy for a forward pass's work: an MLP does about two flops
//     per weight, a U-Net about two per weight and pixel, and weights <= bytes / 2 (F16). The
//     shipped 28×28 U-Nets are 237 KB × 784 = 1.9e8.
constexpr size_t kMaxScoreDim = size_t{1} << 16;
constexpr uint64_t kMaxScoreScratch = uint64_t{512} << 20;
constexpr double kMaxScoreCost = 4e8;
// Below this cost the target also runs two sampler steps on the loaded model.
constexpr double kMaxSampleCost = 2e7;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sw::LoadedModel loaded;
  loaded.architecture = "unchanged";  // a sentinel: on error *out must stay as it was
  const sw::Status status = sw::LoadScoreModel(data, size, &loaded);
  if (!status.ok()) {
    // INVALID_MODEL, or OUT_OF_MEMORY for a valid network whose working memory exceeds the
    // build's budget (core/memory_budget.h).
    FUZZ_CHECK(status.code() == sw::StatusCode::kInvalidModel ||
                   status.code() == sw::StatusCode::kOutOfMemory,
               "load failed with %s: %s", sw::StatusCodeName(status.code()),
               status.message().c_str());
    sw_fuzz::CheckMessage(status);
    FUZZ_CHECK(
        loaded.model == nullptr && loaded.architecture == "unchanged" && loaded.config_json.empty(),
        "a failed load modified its output");
    return 0;
  }
  FUZZ_CHECK(loaded.model != nullptr, "load succeeded without a model");
  const sw::ScoreModel& model = *loaded.model;
  const size_t dim = model.dim();
  const float min_sigma = model.min_sigma();
  FUZZ_CHECK(dim > 0, "a loaded model has dim() == 0 (architecture %s)",
             loaded.architecture.c_str());
  FUZZ_CHECK(std::isfinite(min_sigma) && min_sigma >= 0, "min_sigma() = %g", min_sigma);

  // The option resolver on the loaded file. What it recommends must run on this very model.
  sw::SamplerOptions options;
  const sw::Status recommended = sw::RecommendedSamplerOptions(loaded, &options);
  if (!recommended.ok()) {
    FUZZ_CHECK(recommended.code() == sw::StatusCode::kInvalidArgument, "resolver failed with %s",
               sw::StatusCodeName(recommended.code()));
    sw_fuzz::CheckMessage(recommended);
  }

  if (dim > kMaxScoreDim) return 0;  // see kMaxScoreDim
  const double cost = static_cast<double>(size) * static_cast<double>(dim);
  if (cost > kMaxScoreCost) return 0;                                 // see kMaxScoreCost
  if (model.scratch_bytes_per_thread() > kMaxScoreScratch) return 0;  // see kMaxScoreScratch

  // The smallest trained level when the file recommends one, else a sane sigma.
  float sigma = std::fmax(min_sigma, 1.0f);
  if (recommended.ok() && !options.sigmas.empty()) sigma = options.sigmas.back();
  std::vector<float> x(dim), out(dim);
  for (size_t j = 0; j < dim; ++j) x[j] = 0.5f * std::sin(0.7f * static_cast<float>(j));
  const sw::Status scored = sw::ScoreBatch(model, x.data(), 1, sigma, out.data(), nullptr);
  FUZZ_CHECK(scored.ok() || scored.code() == sw::StatusCode::kOutOfMemory,
             "ScoreBatch at sigma %g on a loaded model failed: %s", sigma,
             scored.message().c_str());

  if (recommended.ok()) {
    // The options are run for at most two steps; the full run could be 2^30 steps long.
    std::unique_ptr<sw::SamplerRun> run;
    const sw::Status created = sw::SamplerRun::Create(&model, 1, options, nullptr, 0, &run);
    const bool too_many_steps = static_cast<int64_t>(options.steps_per_level) *
                                    static_cast<int64_t>(options.sigmas.size()) >=
                                (int64_t{1} << 30);
    // (Finding F1, fixed in 2529e28: a step size that was a finite double but 0 or Inf as a
    // float loaded, and the sampler refused what the file recommended.)
    FUZZ_CHECK(created.ok() || too_many_steps || created.code() == sw::StatusCode::kOutOfMemory,
               "the sampler refuses the options the model file recommends: %s",
               created.message().c_str());
    if (created.ok() && cost <= kMaxSampleCost) {
      const sw::Status stepped = run->Step(2);
      if (!stepped.ok()) sw_fuzz::CheckMessage(stepped);  // divergence is allowed, not a bug
    }
  }
  return 0;
}
