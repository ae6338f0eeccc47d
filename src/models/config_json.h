// The parts of a model file's "config" JSON that every architecture shares, and the strict JSON
// reading they all use: the trained noise levels ("sigmas") and the sampler defaults ("sampling").
// Errors are INVALID_MODEL, prefixed "<architecture> config: ".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

// Annealed Langevin's settings when neither the model file nor the caller gives them (NCSN's).
inline constexpr int64_t kDefaultStepsPerLevel = 100;
inline constexpr double kDefaultStepSize = 2e-5;

// Sampler defaults a model file may carry (the trainer knows what works for its model).
struct SamplingDefaults {
  std::string sampler = "annealed-langevin";
  int64_t steps_per_level = kDefaultStepsPerLevel;  // > 0 (annealed Langevin)
  double step_size = kDefaultStepSize;              // > 0 (the Langevin samplers)
  bool denoise = true;
  // The steps of `sampler` when it is 'reverse-diffusion', 'pc' or 'ode' (its levels); 0: that
  // sampler's own default. Written to the file only when set.
  int64_t steps = 0;
  // The corrector's signal-to-noise ratio when `sampler` is 'pc', in (0, kMaxSnr]; 0: the
  // sampler's default (0.16). Written to the file only when set.
  double snr = 0;
};

// The largest corrector signal-to-noise ratio a file may advise. Its Langevin step is
// ε = 2 (snr σ)², whose drift ε s moves about 2 snr² times the noise's own scale σ √d: a ratio of
// 1 is already far too strong for any model measured here (0.3 is the best found), so 10 leaves
// room to experiment while refusing what can only be a mistake.
inline constexpr double kMaxSnr = 10.0;

// The smallest σ accepted for inference and as a trained level: log σ and 1/σ stay well inside
// f32 range.
inline constexpr float kMinModelSigma = 1e-6f;

namespace config_json {

using Json = nlohmann::json;

// INVALID_MODEL "<arch> config: <message>".
Status Bad(const char* arch, const std::string& message);

// Parses `text` as a JSON object without throwing, refusing NUL bytes, nesting deeper than four
// levels, syntax errors, repeated keys (nlohmann would silently keep one), keys outside `known`
// and missing `required` keys.
Status ParseObject(const char* arch, const std::string& text,
                   std::initializer_list<const char*> known,
                   std::initializer_list<const char*> required, Json* out);

// A JSON integer (2.0 and "2" are refused) in [lo, hi].
Status ReadInteger(const char* arch, const Json& value, const std::string& what, uint64_t lo,
                   uint64_t hi, uint64_t* out);

// "sigmas": a non-empty array of numbers (ValidateSigmas checks their values).
Status ReadSigmas(const char* arch, const Json& value, std::vector<float>* out);
// Finite, >= kMinModelSigma and strictly decreasing (largest noise first).
Status ValidateSigmas(const char* arch, const std::vector<float>& sigmas);

// "sampling": an object with optional sampler, steps_per_level, step_size, denoise, steps, snr; any
// other key is refused (most likely a typo, as for the config's own keys).
Status ReadSampling(const char* arch, const Json& value, SamplingDefaults* out);
Status ValidateSampling(const char* arch, const SamplingDefaults& sampling);
nlohmann::ordered_json SamplingToJson(const SamplingDefaults& sampling);

// Reads only "sigmas" and "sampling" of any architecture's config (other keys are ignored; the
// architecture's own parser has checked them). *sigmas is empty when the config has none;
// *has_sampling says whether "sampling" is there.
Status ReadSigmasAndSampling(const std::string& text, std::vector<float>* sigmas,
                             bool* has_sampling, SamplingDefaults* sampling);

// `text` (a model's config JSON object) with its "sampling" set to `sampling`, other keys kept in
// their order. INVALID_MODEL when text is not a JSON object.
Status WithSampling(const std::string& text, const SamplingDefaults& sampling, std::string* out);

}  // namespace config_json
}  // namespace sw
