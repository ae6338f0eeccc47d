// Shared config JSON reading (see config_json.h).
#include "models/config_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "io/json_text.h"

namespace sw {
namespace config_json {

Status Bad(const char* arch, const std::string& message) {
  return InvalidModel(std::string(arch) + " config: " + message);
}

namespace {

// A config nests two deep ({"sampling": {...}}, {"sigmas": [...]}); anything deeper is refused
// before parsing.
constexpr int kMaxDepth = 4;

// Refuses text that nlohmann would misread (a NUL byte ends its input early) or that nests too
// deep to parse and print safely. Every parse of config text comes after this check.
Status CheckText(const char* arch, const std::string& text) {
  if (text.find('\0') != std::string::npos) {
    return Bad(arch, "the \"config\" metadata contains a NUL character; expected JSON text");
  }
  if (JsonNestingDepth(text, kMaxDepth) > kMaxDepth) {
    return Bad(arch,
               "the \"config\" JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  return Status::Ok();
}

}  // namespace

Status ParseObject(const char* arch, const std::string& text,
                   std::initializer_list<const char*> known,
                   std::initializer_list<const char*> required, Json* out) {
  SW_RETURN_IF_ERROR(CheckText(arch, text));
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  const auto callback = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == Json::parse_event_t::key && !keys.empty()) {
      const auto* key = parsed.get_ptr<const Json::string_t*>();
      if (key != nullptr && !keys.back().insert(*key).second) duplicate = true;
    }
    return true;
  };
  Json root = Json::parse(text, callback, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Bad(arch, "the \"config\" metadata is not valid JSON");
  if (duplicate) return Bad(arch, "the \"config\" JSON repeats a key");
  if (!root.is_object()) {
    return Bad(arch, std::string("the \"config\" metadata is a JSON ") + root.type_name() +
                         "; expected an object");
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Bad(arch, "unknown key " + QuoteForMessage(it.key()) + " (known: " + list + ")");
    }
  }
  for (const char* key : required) {
    if (root.find(key) == root.end()) {
      return Bad(arch, std::string("missing required key \"") + key + "\"");
    }
  }
  *out = std::move(root);
  return Status::Ok();
}

Status ReadInteger(const char* arch, const Json& value, const std::string& what, uint64_t lo,
                   uint64_t hi, uint64_t* out) {
  const auto* v = value.get_ptr<const Json::number_unsigned_t*>();
  if (v == nullptr || *v < lo || *v > hi) {
    return Bad(arch, what + " = " + JsonExcerpt(value) + "; expected an integer in [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = *v;
  return Status::Ok();
}

Status ReadSigmas(const char* arch, const Json& value, std::vector<float>* out) {
  if (!value.is_array() || value.empty()) {
    return Bad(arch, "sigmas = " + JsonExcerpt(value) + "; expected a non-empty array of numbers");
  }
  std::vector<float> sigmas;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number()) {
      return Bad(arch, "sigmas[" + std::to_string(i) + "] = " + JsonExcerpt(value[i]) +
                           "; expected a number");
    }
    const double v = value[i].get<double>();
    if (!(std::fabs(v) <= std::numeric_limits<float>::max())) {  // the cast would be undefined
      return Bad(arch, "sigmas[" + std::to_string(i) + "] = " + JsonExcerpt(value[i]) +
                           "; expected a finite number within the float range");
    }
    sigmas.push_back(static_cast<float>(v));
  }
  *out = std::move(sigmas);
  return Status::Ok();
}

Status ValidateSigmas(const char* arch, const std::vector<float>& sigmas) {
  if (sigmas.empty()) return Bad(arch, "sigmas is empty; expected the trained noise levels");
  for (size_t i = 0; i < sigmas.size(); ++i) {
    const float s = sigmas[i];
    if (!std::isfinite(s) || s < kMinModelSigma) {
      return Bad(arch, "sigmas[" + std::to_string(i) + "] = " + std::to_string(s) +
                           "; every sigma must be finite and >= 1e-6");
    }
    if (i > 0 && !(s < sigmas[i - 1])) {
      return Bad(arch, "sigmas must be strictly decreasing (largest noise first), but sigmas[" +
                           std::to_string(i) + "] = " + std::to_string(s) + " >= sigmas[" +
                           std::to_string(i - 1) + "] = " + std::to_string(sigmas[i - 1]));
    }
  }
  return Status::Ok();
}

Status ReadSampling(const char* arch, const Json& value, SamplingDefaults* out) {
  if (!value.is_object()) {
    const std::string type = value.type_name();
    return Bad(arch, "\"sampling\" is " + std::string(type[0] == 'a' ? "an " : "a ") + type +
                         "; expected an object");
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    if (key != "sampler" && key != "steps_per_level" && key != "step_size" && key != "denoise" &&
        key != "steps" && key != "snr") {
      return Bad(arch, "unknown key " + QuoteForMessage(key) +
                           " in \"sampling\" (known: sampler, steps_per_level, step_size, "
                           "denoise, steps, snr)");
    }
  }
  SamplingDefaults sampling;
  if (auto it = value.find("sampler"); it != value.end()) {
    const auto* s = it->get_ptr<const Json::string_t*>();
    if (s == nullptr || s->empty()) {
      return Bad(arch,
                 "sampling.sampler = " + JsonExcerpt(*it) + "; expected a sampler name string");
    }
    sampling.sampler = *s;
  }
  if (auto it = value.find("steps_per_level"); it != value.end()) {
    uint64_t steps;
    SW_RETURN_IF_ERROR(ReadInteger(arch, *it, "sampling.steps_per_level", 1, 1u << 30, &steps));
    sampling.steps_per_level = static_cast<int64_t>(steps);
  }
  if (auto it = value.find("steps"); it != value.end()) {
    uint64_t steps;
    SW_RETURN_IF_ERROR(ReadInteger(arch, *it, "sampling.steps", 2, 1u << 20, &steps));
    sampling.steps = static_cast<int64_t>(steps);
  }
  if (auto it = value.find("step_size"); it != value.end()) {
    // It runs as a float: outside [FLT_MIN, FLT_MAX] it would be 0, subnormal or infinite (and
    // the conversion of a double beyond FLT_MAX is undefined behaviour).
    if (!it->is_number() || !(it->get<double>() >= std::numeric_limits<float>::min()) ||
        !(it->get<double>() <= std::numeric_limits<float>::max())) {
      return Bad(arch, "sampling.step_size = " + JsonExcerpt(*it) +
                           "; expected a number from 1.2e-38 to 3.4e38 (a normal float > 0)");
    }
    sampling.step_size = it->get<double>();
  }
  if (auto it = value.find("snr"); it != value.end()) {
    if (!it->is_number() || !(it->get<double>() > 0) || !(it->get<double>() <= kMaxSnr)) {
      return Bad(arch, "sampling.snr = " + JsonExcerpt(*it) +
                           "; expected a number > 0 and <= " + NumberForMessage(kMaxSnr));
    }
    sampling.snr = it->get<double>();
  }
  if (auto it = value.find("denoise"); it != value.end()) {
    if (!it->is_boolean()) {
      return Bad(arch, "sampling.denoise = " + JsonExcerpt(*it) + "; expected true or false");
    }
    sampling.denoise = it->get<bool>();
  }
  *out = std::move(sampling);
  return Status::Ok();
}

Status ValidateSampling(const char* arch, const SamplingDefaults& s) {
  if (s.sampler.empty()) return Bad(arch, "sampling.sampler is empty");
  if (s.steps_per_level < 1) return Bad(arch, "sampling.steps_per_level must be >= 1");
  if (s.steps != 0 && (s.steps < 2 || s.steps > (1 << 20))) {
    return Bad(arch, "sampling.steps must be 2 to 2^20 (or absent)");
  }
  if (s.snr != 0 && !(s.snr > 0 && s.snr <= kMaxSnr)) {
    return Bad(arch,
               "sampling.snr must be > 0 and <= " + NumberForMessage(kMaxSnr) + " (or absent)");
  }
  if (!(s.step_size >= std::numeric_limits<float>::min()) ||
      !(s.step_size <= std::numeric_limits<float>::max())) {
    return Bad(arch, "sampling.step_size must be a normal float > 0 (1.2e-38 to 3.4e38)");
  }
  return Status::Ok();
}

nlohmann::ordered_json SamplingToJson(const SamplingDefaults& s) {
  nlohmann::ordered_json j = {{"sampler", s.sampler},
                              {"steps_per_level", s.steps_per_level},
                              {"step_size", s.step_size},
                              {"denoise", s.denoise}};
  if (s.steps != 0) j["steps"] = s.steps;
  if (s.snr != 0) j["snr"] = s.snr;
  return j;
}

Status ReadSigmasAndSampling(const std::string& text, std::vector<float>* sigmas,
                             bool* has_sampling, SamplingDefaults* sampling) {
  SW_RETURN_IF_ERROR(CheckText("model", text));
  const Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return Bad("model", "the \"config\" metadata is not a JSON object");
  std::vector<float> levels;
  if (const auto s = root.find("sigmas"); s != root.end()) {
    SW_RETURN_IF_ERROR(ReadSigmas("model", *s, &levels));
    SW_RETURN_IF_ERROR(ValidateSigmas("model", levels));
  }
  SamplingDefaults defaults;
  const auto it = root.find("sampling");
  if (it != root.end()) SW_RETURN_IF_ERROR(ReadSampling("model", *it, &defaults));
  *sigmas = std::move(levels);
  *has_sampling = it != root.end();
  *sampling = std::move(defaults);
  return Status::Ok();
}

Status WithSampling(const std::string& text, const SamplingDefaults& sampling, std::string* out) {
  SW_RETURN_IF_ERROR(CheckText("model", text));
  nlohmann::ordered_json root =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return Bad("model", "the \"config\" metadata is not a JSON object");
  root["sampling"] = SamplingToJson(sampling);
  *out = root.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return Status::Ok();
}

}  // namespace config_json
}  // namespace sw
