// Embind bindings: a thin boundary over the core. Buffers cross as byte addresses into the WASM
// heap (the JS layer allocates, fills and frees them), so each call moves a whole batch; every call
// that a caller can get wrong returns a Status, which the JS layer turns into a ScoreWasmError.
#include <emscripten/bind.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "models/gaussian_mixture.h"
#include "models/model_file.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"
#include "train/fresh_network.h"
#include "train/trainer.h"

namespace {

using sw::Status;

struct JsStatus {
  int code = 0;
  std::string name;
  std::string message;
};

JsStatus ToJs(const Status& s) {
  return JsStatus{static_cast<int>(s.code()), sw::StatusCodeName(s.code()), s.message()};
}

template <typename T>
const T* HeapPtr(uintptr_t address) {
  return reinterpret_cast<const T*>(address);
}

std::vector<float> HeapFloats(uintptr_t address, size_t count) {
  const float* p = HeapPtr<float>(address);
  return std::vector<float>(p, p + count);
}

// The module's one thread pool; its size is fixed when the JS layer first configures it.
std::unique_ptr<sw::ThreadPool>& Pool() {
  static std::unique_ptr<sw::ThreadPool> pool;
  return pool;
}

void ConfigureThreads(int num_threads) {
  if (!Pool() && num_threads > 1) Pool() = std::make_unique<sw::ThreadPool>(num_threads);
}
int ThreadCount() { return Pool() ? static_cast<int>(Pool()->num_threads()) : 1; }

class Model {
 public:
  JsStatus InitGaussianMixture(uintptr_t weights, int components, uintptr_t means, uintptr_t stds,
                               int dim) {
    if (components <= 0 || dim <= 0) {
      return ToJs(sw::InvalidArgument("a mixture needs at least one component and dim >= 1"));
    }
    std::unique_ptr<sw::GaussianMixture> gmm;
    const Status s = sw::GaussianMixture::Create(HeapFloats(weights, components),
                                                 HeapFloats(means, size_t(components) * dim),
                                                 HeapFloats(stds, components), dim, &gmm);
    if (s.ok()) {
      model_ = std::move(gmm);
      architecture_ = "gaussian-mixture";
      config_json_ = "{}";
    }
    return ToJs(s);
  }

  JsStatus InitFromFile(uintptr_t bytes, size_t size) {
    sw::LoadedModel loaded;
    const Status s = sw::LoadScoreModel(HeapPtr<uint8_t>(bytes), size, &loaded);
    if (s.ok()) {
      model_ = std::move(loaded.model);
      architecture_ = loaded.architecture;
      config_json_ = loaded.config_json;
    }
    return ToJs(s);
  }

  int Dim() const { return model_ ? static_cast<int>(model_->dim()) : 0; }
  float MinSigma() const { return model_ ? model_->min_sigma() : 0.0f; }
  std::string Architecture() const { return architecture_; }
  std::string ConfigJson() const { return config_json_; }

  JsStatus Score(uintptr_t x, int n, float sigma, uintptr_t out, int max_threads) const {
    if (!model_) return ToJs(sw::InvalidArgument("the model is not initialised"));
    if (n <= 0) return ToJs(sw::InvalidArgument("n must be positive"));
    return ToJs(sw::ScoreBatch(*model_, HeapPtr<float>(x), n, sigma, reinterpret_cast<float*>(out),
                               Pool().get(), max_threads));
  }

  const sw::ScoreModel* get() const { return model_.get(); }

 private:
  std::unique_ptr<sw::ScoreModel> model_;
  std::string architecture_, config_json_;
};

// The caller's sampling options as sample() received them (Embind value_object; "not given" is
// "" / 0 / -1 / false as in sw::SamplingRequest); the levels and start points travel as heap
// buffers. sw::ResolveSamplerOptions decides everything else.
struct SamplerRequest {
  std::string sampler;
  float sigmas_max = 0, sigmas_min = 0;
  int sigmas_levels = 0;
  int steps_per_level = 0;
  int denoise = -1;
  bool has_sigma = false;
  float sigma = 0;
  int steps = 0;
  float step_size = 0;
  float sigma_max = 0, sigma_min = 0;
  int corrector_steps = -1;
  float snr = 0;
  std::string solver;
  double rtol = 0, atol = 0;
  bool encode = false;
  uint32_t seed_lo = 0, seed_hi = 0;
  int init = 0;  // 0 gaussian, 1 uniform, 2 given points
  float uniform_lo = 0, uniform_hi = 1;
  int max_threads = 0;
};

class Sampler {
 public:
  // `model` must outlive this sampler (the JS layer keeps it alive). `sigmas` holds num_sigmas
  // listed levels (0: none listed), `init_points` n × dim values when init is 2, `known` (floats)
  // and `mask` (bytes) num_known values each for inpainting (0: none).
  JsStatus Init(const Model& model, int n, const SamplerRequest& r, uintptr_t sigmas,
                int num_sigmas, uintptr_t init_points, uintptr_t known, uintptr_t mask,
                int num_known) {
    if (!model.get()) return ToJs(sw::InvalidArgument("the model is not initialised"));
    if (n <= 0) return ToJs(sw::InvalidArgument("n must be a positive integer"));
    if (num_sigmas < 0 || num_known < 0) {
      return ToJs(sw::InvalidArgument("a count of listed values is negative"));
    }
    sw::SamplingRequest request;
    request.sampler = r.sampler;
    request.sigmas = HeapFloats(sigmas, num_sigmas);
    request.sigmas_max = r.sigmas_max;
    request.sigmas_min = r.sigmas_min;
    request.sigmas_levels = r.sigmas_levels;
    request.steps_per_level = r.steps_per_level;
    request.denoise = r.denoise;
    request.has_sigma = r.has_sigma;
    request.sigma = r.sigma;
    request.steps = r.steps;
    request.step_size = r.step_size;
    request.sigma_max = r.sigma_max;
    request.sigma_min = r.sigma_min;
    request.corrector_steps = r.corrector_steps;
    request.snr = r.snr;
    request.solver = r.solver;
    request.rtol = r.rtol;
    request.atol = r.atol;
    request.encode = r.encode;
    request.seed = (uint64_t{r.seed_hi} << 32) | r.seed_lo;
    request.init = static_cast<sw::InitKind>(r.init);
    request.uniform_lo = r.uniform_lo;
    request.uniform_hi = r.uniform_hi;
    if (request.init == sw::InitKind::kGiven) {
      request.init_points = HeapFloats(init_points, size_t(n) * model.get()->dim());
    }
    if (num_known > 0) {
      request.known = HeapFloats(known, num_known);
      const uint8_t* m = HeapPtr<uint8_t>(mask);
      request.mask.assign(m, m + num_known);
    }
    sw::SamplerOptions options;
    const Status resolved =
        sw::ResolveSamplerOptions(model.ConfigJson(), model.get()->min_sigma(), request, &options);
    if (!resolved.ok()) return ToJs(resolved);
    return ToJs(sw::SamplerRun::Create(model.get(), n, options, Pool().get(),
                                       r.max_threads > 0 ? r.max_threads : 0, &run_));
  }

  JsStatus Step(int max_steps) {
    if (!run_) return ToJs(sw::InvalidArgument("the sampler is not initialised"));
    return ToJs(run_->Step(max_steps));
  }
  int StepsDone() const { return run_ ? run_->steps_done() : 0; }
  int TotalSteps() const { return run_ ? run_->total_steps() : 0; }  // 0: adaptive
  double Fraction() const { return run_ ? run_->fraction() : 0; }
  int Level() const { return run_ ? run_->level() : 0; }
  int Levels() const { return run_ ? run_->levels() : 0; }
  int StepsPerLevel() const { return run_ ? run_->steps_per_level() : 0; }
  // Network evaluations per sample so far (a double: it may pass 2^31).
  double Evaluations() const { return run_ ? run_->evaluations() : 0; }
  bool Done() const { return run_ && run_->done(); }
  // Address of the n × dim samples (valid until the next Step or until the sampler is deleted).
  uintptr_t SamplesPtr() const {
    return run_ ? reinterpret_cast<uintptr_t>(run_->samples().data()) : 0;
  }

 private:
  std::unique_ptr<sw::SamplerRun> run_;
};

// The caller's model.logProb options (Embind value_object; "not given" as in sw::LogProbRequest).
struct LogProbRequest {
  std::string solver;
  int steps = 0;
  double rtol = 0, atol = 0;
  float sigma_max = 0, sigma_min = 0;
  int probes = -1;
  uint32_t seed_lo = 0, seed_hi = 0;
  int max_threads = 0;
};

// model.logProb: a sw::LogProbRun stepped by the worker like a Sampler.
class LogProb {
 public:
  // `model` must outlive this object; `points` holds n × dim values.
  JsStatus Init(const Model& model, int n, const LogProbRequest& r, uintptr_t points) {
    if (!model.get()) return ToJs(sw::InvalidArgument("the model is not initialised"));
    if (n <= 0) return ToJs(sw::InvalidArgument("n must be a positive integer"));
    sw::LogProbRequest request;
    request.solver = r.solver;
    request.steps = r.steps;
    request.rtol = r.rtol;
    request.atol = r.atol;
    request.sigma_max = r.sigma_max;
    request.sigma_min = r.sigma_min;
    request.probes = r.probes;
    request.seed = (uint64_t{r.seed_hi} << 32) | r.seed_lo;
    sw::LogProbOptions options;
    const Status resolved =
        sw::ResolveLogProbOptions(model.ConfigJson(), model.get()->dim(), request, &options);
    if (!resolved.ok()) return ToJs(resolved);
    const std::vector<float> x = HeapFloats(points, size_t(n) * model.get()->dim());
    return ToJs(sw::LogProbRun::Create(model.get(), x.data(), n, options, Pool().get(),
                                       r.max_threads > 0 ? r.max_threads : 0, &run_));
  }
  JsStatus Step(int max_steps) {
    if (!run_) return ToJs(sw::InvalidArgument("logProb is not initialised"));
    const Status s = run_->Step(max_steps);
    if (s.ok() && run_->done()) result_ = run_->log_probs();
    return ToJs(s);
  }
  int StepsDone() const { return run_ ? run_->steps_done() : 0; }
  int TotalSteps() const { return run_ ? run_->total_steps() : 0; }  // 0: adaptive
  double Fraction() const { return run_ ? run_->fraction() : 0; }
  double Evaluations() const { return run_ ? run_->evaluations() : 0; }
  bool Done() const { return run_ && run_->done(); }
  // Address of the n log-densities (doubles), once done.
  uintptr_t ResultPtr() const { return reinterpret_cast<uintptr_t>(result_.data()); }

 private:
  std::unique_ptr<sw::LogProbRun> run_;
  std::vector<double> result_;
};

// The caller's trainModel options (Embind value_object): a number the caller left out arrives as
// 0 (or -1 where 0 is a valid value) and keeps sw::FreshNetworkSpec's / sw::TrainOptions' default.
struct TrainRequest {
  int freqs = -1;
  float sigma_min = 0;
  int levels = 0;
  int steps_per_level = 0;
  float step_size_scale = 0;
  int batch_size = 0;
  double lr = 0;
  double grad_clip = -1;
  double ema_decay = -1;
  uint32_t seed_lo = 0, seed_hi = 0;
};

// trainModel: an ncsn-mlp trained by denoising score matching on the caller's points, with the
// module's thread pool; stepped by the worker like a Sampler, its model file written on request.
class Training {
 public:
  // `points` holds n × dim values, `widths` num_widths hidden-layer widths (int32; 0: the default).
  JsStatus Init(uintptr_t points, int n, int dim, uintptr_t widths, int num_widths,
                const TrainRequest& r) {
    if (n <= 0 || dim <= 0) return ToJs(sw::InvalidArgument("n and dim must be positive"));
    if (num_widths < 0) return ToJs(sw::InvalidArgument("the count of widths is negative"));
    std::vector<float> data = HeapFloats(points, size_t(n) * dim);
    sw::FreshNetworkSpec spec;
    if (num_widths > 0) {
      const int32_t* w = HeapPtr<int32_t>(widths);
      spec.widths.clear();
      for (int i = 0; i < num_widths; ++i) {
        if (w[i] <= 0) return ToJs(sw::InvalidArgument("a hidden-layer width is not positive"));
        spec.widths.push_back(static_cast<size_t>(w[i]));
      }
    }
    const uint64_t seed = (uint64_t{r.seed_hi} << 32) | r.seed_lo;
    if (r.freqs >= 0) spec.sigma_embedding_freqs = static_cast<size_t>(r.freqs);
    if (r.sigma_min > 0) spec.sigma_min = r.sigma_min;
    if (r.levels > 0) spec.levels = r.levels;
    if (r.steps_per_level > 0) spec.steps_per_level = r.steps_per_level;
    if (r.step_size_scale > 0) spec.step_size_scale = r.step_size_scale;
    spec.seed = seed;
    sw::FreshNetwork fresh;
    const Status made = sw::MakeFreshNetwork(data, static_cast<size_t>(dim), spec, &fresh);
    if (!made.ok()) return ToJs(made);
    sw::TrainOptions options;
    if (r.batch_size > 0) options.batch_size = static_cast<size_t>(r.batch_size);
    if (r.lr > 0) options.lr = r.lr;
    if (r.grad_clip >= 0) options.grad_clip = r.grad_clip;
    if (r.ema_decay >= 0) options.ema_decay = r.ema_decay;
    options.seed = seed;
    sampling_ = fresh.sampling;
    return ToJs(sw::Trainer::Create(std::move(fresh.network), std::move(data), options, &trainer_,
                                    Pool().get()));
  }

  JsStatus Step(int steps) {
    if (!trainer_) return ToJs(sw::InvalidArgument("the training is not initialised"));
    return ToJs(trainer_->Step(steps));
  }
  double StepsDone() const { return trainer_ ? static_cast<double>(trainer_->step()) : 0; }
  // Mean batch loss over the last Step call's steps.
  double Loss() const { return trainer_ ? trainer_->loss() : 0; }

  // Writes the model file of the EMA weights; its bytes stay at ModelFilePtr until the next call.
  JsStatus WriteModelFile() {
    if (!trainer_) return ToJs(sw::InvalidArgument("the training is not initialised"));
    return ToJs(
        sw::TrainedModelFile(trainer_->EmaNetwork(), sampling_, /*store_f16=*/false, &model_file_));
  }
  uintptr_t ModelFilePtr() const { return reinterpret_cast<uintptr_t>(model_file_.data()); }
  double ModelFileSize() const { return static_cast<double>(model_file_.size()); }

 private:
  std::unique_ptr<sw::Trainer> trainer_;
  sw::SamplingDefaults sampling_;
  std::vector<uint8_t> model_file_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(score_wasm) {
  using emscripten::function;
  emscripten::value_object<JsStatus>("Status")
      .field("code", &JsStatus::code)
      .field("name", &JsStatus::name)
      .field("message", &JsStatus::message);
  emscripten::value_object<SamplerRequest>("SamplerRequest")
      .field("sampler", &SamplerRequest::sampler)
      .field("sigmasMax", &SamplerRequest::sigmas_max)
      .field("sigmasMin", &SamplerRequest::sigmas_min)
      .field("sigmasLevels", &SamplerRequest::sigmas_levels)
      .field("stepsPerLevel", &SamplerRequest::steps_per_level)
      .field("denoise", &SamplerRequest::denoise)
      .field("hasSigma", &SamplerRequest::has_sigma)
      .field("sigma", &SamplerRequest::sigma)
      .field("steps", &SamplerRequest::steps)
      .field("stepSize", &SamplerRequest::step_size)
      .field("sigmaMax", &SamplerRequest::sigma_max)
      .field("sigmaMin", &SamplerRequest::sigma_min)
      .field("correctorSteps", &SamplerRequest::corrector_steps)
      .field("snr", &SamplerRequest::snr)
      .field("solver", &SamplerRequest::solver)
      .field("rtol", &SamplerRequest::rtol)
      .field("atol", &SamplerRequest::atol)
      .field("encode", &SamplerRequest::encode)
      .field("seedLo", &SamplerRequest::seed_lo)
      .field("seedHi", &SamplerRequest::seed_hi)
      .field("init", &SamplerRequest::init)
      .field("uniformLo", &SamplerRequest::uniform_lo)
      .field("uniformHi", &SamplerRequest::uniform_hi)
      .field("maxThreads", &SamplerRequest::max_threads);
  emscripten::value_object<LogProbRequest>("LogProbRequest")
      .field("solver", &LogProbRequest::solver)
      .field("steps", &LogProbRequest::steps)
      .field("rtol", &LogProbRequest::rtol)
      .field("atol", &LogProbRequest::atol)
      .field("sigmaMax", &LogProbRequest::sigma_max)
      .field("sigmaMin", &LogProbRequest::sigma_min)
      .field("probes", &LogProbRequest::probes)
      .field("seedLo", &LogProbRequest::seed_lo)
      .field("seedHi", &LogProbRequest::seed_hi)
      .field("maxThreads", &LogProbRequest::max_threads);
  emscripten::value_object<TrainRequest>("TrainRequest")
      .field("freqs", &TrainRequest::freqs)
      .field("sigmaMin", &TrainRequest::sigma_min)
      .field("levels", &TrainRequest::levels)
      .field("stepsPerLevel", &TrainRequest::steps_per_level)
      .field("stepSizeScale", &TrainRequest::step_size_scale)
      .field("batchSize", &TrainRequest::batch_size)
      .field("lr", &TrainRequest::lr)
      .field("gradClip", &TrainRequest::grad_clip)
      .field("emaDecay", &TrainRequest::ema_decay)
      .field("seedLo", &TrainRequest::seed_lo)
      .field("seedHi", &TrainRequest::seed_hi);
  function("configureThreads", &ConfigureThreads);
  function("threadCount", &ThreadCount);
  emscripten::class_<Model>("Model")
      .constructor<>()
      .function("initGaussianMixture", &Model::InitGaussianMixture)
      .function("initFromFile", &Model::InitFromFile)
      .function("dim", &Model::Dim)
      .function("minSigma", &Model::MinSigma)
      .function("architecture", &Model::Architecture)
      .function("configJson", &Model::ConfigJson)
      .function("score", &Model::Score);
  emscripten::class_<Sampler>("Sampler")
      .constructor<>()
      .function("init", &Sampler::Init)
      .function("step", &Sampler::Step)
      .function("stepsDone", &Sampler::StepsDone)
      .function("totalSteps", &Sampler::TotalSteps)
      .function("fraction", &Sampler::Fraction)
      .function("level", &Sampler::Level)
      .function("levels", &Sampler::Levels)
      .function("stepsPerLevel", &Sampler::StepsPerLevel)
      .function("evaluations", &Sampler::Evaluations)
      .function("done", &Sampler::Done)
      .function("samplesPtr", &Sampler::SamplesPtr);
  emscripten::class_<LogProb>("LogProb")
      .constructor<>()
      .function("init", &LogProb::Init)
      .function("step", &LogProb::Step)
      .function("stepsDone", &LogProb::StepsDone)
      .function("totalSteps", &LogProb::TotalSteps)
      .function("fraction", &LogProb::Fraction)
      .function("evaluations", &LogProb::Evaluations)
      .function("done", &LogProb::Done)
      .function("resultPtr", &LogProb::ResultPtr);
  emscripten::class_<Training>("Training")
      .constructor<>()
      .function("init", &Training::Init)
      .function("step", &Training::Step)
      .function("stepsDone", &Training::StepsDone)
      .function("loss", &Training::Loss)
      .function("writeModelFile", &Training::WriteModelFile)
      .function("modelFilePtr", &Training::ModelFilePtr)
      .function("modelFileSize", &Training::ModelFileSize);
}
