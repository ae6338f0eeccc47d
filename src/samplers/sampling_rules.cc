#include "samplers/sampling_rules.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "models/config_json.h"

namespace sw {
namespace {

Status NotFor(const char* option, const std::string& sampler) {
  return InvalidArgument(std::string("unknown option '") + option + "' for sampler '" + sampler +
                         "'");
}

Status Required(const char* option) {
  return InvalidArgument(std::string(option) +
                         " is required: the model has no default for it in its config");
}

// rtol and atol belong to the adaptive solver; 0 means its default.
Status CheckTolerances(bool rk45, double rtol, double atol, const std::string& sampler) {
  const char* names[2] = {"rtol", "atol"};
  const double values[2] = {rtol, atol};
  for (int i = 0; i < 2; ++i) {
    if (values[i] == 0) continue;
    if (!rk45) {
      return InvalidArgument(std::string("unknown option '") + names[i] + "' for sampler '" +
                             sampler + "'" + (sampler == "ode" ? " with solver 'heun'" : "") +
                             ": the tolerances are solver 'rk45''s");
    }
    if (!std::isfinite(values[i]) || !(values[i] > 0) || values[i] >= 1) {
      return InvalidArgument(std::string(names[i]) + " must be a number in (0, 1)");
    }
  }
  return Status::Ok();
}

// What a model file says about sampling: its trained levels (empty: none) and its "sampling".
struct FileSampling {
  std::vector<float> trained;
  bool has_sampling = false;
  SamplingDefaults file;
};

Status ReadFileSampling(const std::string& config_json, FileSampling* out) {
  if (config_json.empty() || config_json == "{}") return Status::Ok();
  return config_json::ReadSigmasAndSampling(config_json, &out->trained, &out->has_sampling,
                                            &out->file);
}

// Options every run takes, whatever its sampler.
void PassThrough(const SamplingRequest& request, SamplerOptions* o) {
  o->seed = request.seed;
  o->init = request.init;
  o->uniform_lo = request.uniform_lo;
  o->uniform_hi = request.uniform_hi;
  o->init_points = request.init_points;
  o->known = request.known;
  o->mask = request.mask;
}

// "reverse-diffusion", "pc" and "ode": `steps` levels from sigmaMax to sigmaMin.
Status ResolveSde(const FileSampling& f, const std::string& sampler, const SamplingRequest& request,
                  SamplerOptions* out) {
  if (!request.sigmas.empty() || request.sigmas_levels > 0) return NotFor("sigmas", sampler);
  if (request.steps_per_level != 0) return NotFor("stepsPerLevel", sampler);
  if (request.has_sigma) return NotFor("sigma", sampler);
  if (request.step_size != 0) return NotFor("stepSize", sampler);
  const bool pc = sampler == "pc", ode = sampler == "ode";
  if (!pc && request.corrector_steps >= 0) return NotFor("correctorSteps", sampler);
  if (!pc && request.snr != 0) return NotFor("snr", sampler);
  if (!ode && !request.solver.empty()) return NotFor("solver", sampler);
  if (!ode && request.encode) return NotFor("encode", sampler);
  if (request.encode && request.denoise == 1) {
    return InvalidArgument("denoise is for generating; encoding ends at sigmaMax");
  }
  if (request.encode && request.init != InitKind::kGiven) {
    return InvalidArgument("encoding needs the points to encode (init: the n × dim points)");
  }
  if (ode && !request.solver.empty() && request.solver != "heun" && request.solver != "rk45") {
    return InvalidArgument("solver must be 'heun' or 'rk45' (got " +
                           QuoteForMessage(request.solver) + ")");
  }
  const bool rk45 = ode && request.solver == "rk45";
  SW_RETURN_IF_ERROR(CheckTolerances(rk45, request.rtol, request.atol, sampler));
  if (rk45 && request.steps != 0) {
    return InvalidArgument(
        "steps is for fixed steps: solver 'rk45' chooses its own (set rtol, "
        "atol)");
  }
  if (request.steps < 0) {
    return InvalidArgument("steps must be a positive integer (got " +
                           std::to_string(request.steps) + ")");
  }
  float sigma_max = request.sigma_max, sigma_min = request.sigma_min;
  if (sigma_max == 0) {
    if (f.trained.empty()) return Required("sigmaMax");
    sigma_max = f.trained.front();
  }
  if (sigma_min == 0) {
    if (f.trained.empty()) return Required("sigmaMin");
    sigma_min = f.trained.back();
  }
  // The file's steps are advice for its own sampler: they do not carry over to another one.
  const bool file_steps = f.has_sampling && f.file.sampler == sampler && f.file.steps > 0;
  const int steps = request.steps != 0 ? request.steps
                    : file_steps       ? static_cast<int>(f.file.steps)
                    : ode              ? kDefaultOdeSteps
                                       : kDefaultSdeSteps;
  SamplerOptions o;
  if (rk45) {
    o.kind = SamplerKind::kProbabilityFlowRk45;
    o.sigmas = {sigma_max, sigma_min};
    if (request.encode) std::swap(o.sigmas[0], o.sigmas[1]);
    o.rtol = request.rtol != 0 ? request.rtol : kDefaultOdeTolerance;
    o.atol = request.atol != 0 ? request.atol : kDefaultOdeTolerance;
  } else if (ode) {
    o.kind = SamplerKind::kProbabilityFlowHeun;
    SW_RETURN_IF_ERROR(KarrasSigmas(sigma_max, sigma_min, steps, kKarrasRho, &o.sigmas));
    if (request.encode) std::reverse(o.sigmas.begin(), o.sigmas.end());
  } else {
    o.kind = pc ? SamplerKind::kPredictorCorrector : SamplerKind::kReverseDiffusion;
    SW_RETURN_IF_ERROR(GeometricSigmas(sigma_max, sigma_min, steps, &o.sigmas));
  }
  if (pc) {
    if (request.corrector_steps >= 0) o.corrector_steps = request.corrector_steps;
    // Like its steps, the file's snr is advice for its own sampler only.
    const bool file_snr = f.has_sampling && f.file.sampler == "pc" && f.file.snr != 0;
    if (request.snr != 0) {
      o.snr = request.snr;
    } else if (file_snr) {
      o.snr = static_cast<float>(f.file.snr);
    }
  }
  o.denoise = request.encode         ? false
              : request.denoise >= 0 ? request.denoise == 1
                                     : f.has_sampling && f.file.denoise;
  PassThrough(request, &o);
  *out = std::move(o);
  return Status::Ok();
}

Status Resolve(const FileSampling& f, float min_sigma, const SamplingRequest& request,
               SamplerOptions* out) {
  const std::vector<float>& trained = f.trained;
  const bool has_sampling = f.has_sampling;
  const SamplingDefaults& file = f.file;
  const std::string sampler =
      !request.sampler.empty() ? request.sampler
                               : (has_sampling ? file.sampler : std::string("annealed-langevin"));
  if (IsSdeSampler(sampler)) {
    return ResolveSde(f, sampler, request, out);
  }
  if (request.encode) return NotFor("encode", sampler);
  if (request.sigma_max != 0) return NotFor("sigmaMax", sampler);
  if (request.sigma_min != 0) return NotFor("sigmaMin", sampler);
  if (request.corrector_steps >= 0) return NotFor("correctorSteps", sampler);
  if (request.snr != 0) return NotFor("snr", sampler);
  if (!request.solver.empty()) return NotFor("solver", sampler);
  SW_RETURN_IF_ERROR(CheckTolerances(false, request.rtol, request.atol, sampler));
  SamplerOptions o;
  if (sampler == "annealed-langevin") {
    if (request.has_sigma) return NotFor("sigma", sampler);
    if (request.steps != 0) return NotFor("steps", sampler);
    o.kind = SamplerKind::kAnnealedLangevin;
    if (!request.sigmas.empty() && request.sigmas_levels > 0) {
      return InvalidArgument("sigmas is either a list of levels or { max, min, levels }, not both");
    }
    if (request.sigmas_levels > 0) {
      SW_RETURN_IF_ERROR(GeometricSigmas(request.sigmas_max, request.sigmas_min,
                                         request.sigmas_levels, &o.sigmas));
    } else if (!request.sigmas.empty()) {
      o.sigmas = request.sigmas;
    } else if (!trained.empty()) {
      o.sigmas = trained;
    } else {
      return Required("sigmas");
    }
    // Without a "sampling" block `file` holds SamplingDefaults: NCSN's T = 100.
    o.steps_per_level = request.steps_per_level != 0 ? request.steps_per_level
                                                     : static_cast<int>(file.steps_per_level);
    o.denoise = request.denoise >= 0 ? request.denoise == 1 : has_sampling && file.denoise;
  } else if (sampler == "langevin") {
    if (!request.sigmas.empty() || request.sigmas_levels > 0) return NotFor("sigmas", sampler);
    if (request.steps_per_level != 0) return NotFor("stepsPerLevel", sampler);
    if (request.denoise >= 0) return NotFor("denoise", sampler);
    o.kind = SamplerKind::kLangevin;
    o.sigmas = {request.has_sigma ? request.sigma : !trained.empty() ? trained.back() : min_sigma};
    if (request.steps == 0 && !has_sampling) return Required("steps");
    o.steps_per_level = request.steps != 0 ? request.steps : static_cast<int>(file.steps_per_level);
    o.denoise = false;
  } else {
    return InvalidArgument(
        "sampler must be one of 'langevin', 'annealed-langevin', 'reverse-diffusion', 'pc', "
        "'ode', got " +
        QuoteForMessage(sampler));
  }
  if (request.step_size != 0) {
    o.step_size = request.step_size;
  } else if (has_sampling) {
    o.step_size = static_cast<float>(file.step_size);
  } else {
    return Required("stepSize");
  }
  PassThrough(request, &o);
  *out = std::move(o);
  return Status::Ok();
}

}  // namespace

bool IsSdeSampler(const std::string& sampler) {
  return sampler == "reverse-diffusion" || sampler == "pc" || sampler == "ode";
}

Status ResolveSamplerOptions(const std::string& config_json, float min_sigma,
                             const SamplingRequest& request, SamplerOptions* out) {
  FileSampling file;
  SW_RETURN_IF_ERROR(ReadFileSampling(config_json, &file));
  return Resolve(file, min_sigma, request, out);
}

Status ResolveLogProbOptions(const std::string& config_json, size_t dim,
                             const LogProbRequest& request, LogProbOptions* out) {
  FileSampling file;
  SW_RETURN_IF_ERROR(ReadFileSampling(config_json, &file));
  LogProbOptions o;
  o.sigma_max = request.sigma_max;
  o.sigma_min = request.sigma_min;
  if (o.sigma_max == 0) {
    if (file.trained.empty()) return Required("sigmaMax");
    o.sigma_max = file.trained.front();
  }
  if (o.sigma_min == 0) {
    if (file.trained.empty()) return Required("sigmaMin");
    o.sigma_min = file.trained.back();
  }
  if (!request.solver.empty() && request.solver != "heun" && request.solver != "rk45") {
    return InvalidArgument("solver must be 'heun' or 'rk45' (got " +
                           QuoteForMessage(request.solver) + ")");
  }
  o.rk45 = request.solver == "rk45";
  SW_RETURN_IF_ERROR(CheckTolerances(o.rk45, request.rtol, request.atol, "logProb"));
  if (o.rk45) {
    if (request.steps != 0) {
      return InvalidArgument(
          "steps is for fixed steps: solver 'rk45' chooses its own (set rtol, "
          "atol)");
    }
    o.rtol = request.rtol != 0 ? request.rtol : kDefaultOdeTolerance;
    o.atol = request.atol != 0 ? request.atol : kDefaultOdeTolerance;
  }
  o.steps = request.steps != 0 ? request.steps : kDefaultLogProbSteps;
  o.probes = request.probes >= 0 ? request.probes : (dim <= kMaxExactDivergenceDim ? 0 : 1);
  o.seed = request.seed;
  *out = o;
  return Status::Ok();
}

Status RecommendedSamplerOptions(const LoadedModel& model, SamplerOptions* out) {
  FileSampling file;
  if (!ReadFileSampling(model.config_json, &file).ok() || !file.has_sampling ||
      file.trained.empty()) {
    return InvalidArgument(
        "the model file recommends no sampling settings (config \"sampling\" and \"sigmas\")");
  }
  // The model's minimum only matters for plain Langevin without trained sigmas (no file has that);
  // a LoadedModel holding only a config (as the fuzz target builds) has none.
  const float min_sigma = model.model != nullptr ? model.model->min_sigma() : 0.0f;
  return Resolve(file, min_sigma, SamplingRequest(), out);
}

}  // namespace sw
