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

// Plain options struct (Embind value_object); sigmas and start points travel as heap buffers.
struct SamplerConfig {
  int kind = 1;  // 0 langevin, 1 annealed-langevin
  int steps_per_level = 100;
  float step_size = 2e-5f;
  bool denoise = false;
  uint32_t seed_lo = 0, seed_hi = 0;
  int init = 0;  // 0 gaussian, 1 uniform, 2 given points
  float uniform_lo = 0, uniform_hi = 1;
  int max_threads = 0;
};

class Sampler {
 public:
  // `model` must outlive this sampler (the JS layer keeps it alive).
  JsStatus Init(const Model& model, int n, const SamplerConfig& c, uintptr_t sigmas, int num_sigmas,
                uintptr_t init_points) {
    if (!model.get()) return ToJs(sw::InvalidArgument("the model is not initialised"));
    if (n <= 0) return ToJs(sw::InvalidArgument("n must be a positive integer"));
    if (num_sigmas <= 0) return ToJs(sw::InvalidArgument("the noise schedule is empty"));
    sw::SamplerOptions o;
    o.kind = static_cast<sw::SamplerKind>(c.kind);
    o.sigmas = HeapFloats(sigmas, num_sigmas);
    o.steps_per_level = c.steps_per_level;
    o.step_size = c.step_size;
    o.denoise = c.denoise;
    o.seed = (uint64_t{c.seed_hi} << 32) | c.seed_lo;
    o.init = static_cast<sw::InitKind>(c.init);
    o.uniform_lo = c.uniform_lo;
    o.uniform_hi = c.uniform_hi;
    if (o.init == sw::InitKind::kGiven) {
      o.init_points = HeapFloats(init_points, size_t(n) * model.get()->dim());
    }
    return ToJs(sw::SamplerRun::Create(model.get(), n, o, Pool().get(),
                                       c.max_threads > 0 ? c.max_threads : 0, &run_));
  }

  JsStatus Step(int max_steps) {
    if (!run_) return ToJs(sw::InvalidArgument("the sampler is not initialised"));
    return ToJs(run_->Step(max_steps));
  }
  int StepsDone() const { return run_ ? run_->steps_done() : 0; }
  int TotalSteps() const { return run_ ? run_->total_steps() : 0; }
  int Level() const { return run_ ? run_->level() : 0; }
  bool Done() const { return run_ && run_->done(); }
  // Address of the n × dim samples (valid until the next Step or until the sampler is deleted).
  uintptr_t SamplesPtr() const {
    return run_ ? reinterpret_cast<uintptr_t>(run_->samples().data()) : 0;
  }

 private:
  std::unique_ptr<sw::SamplerRun> run_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(score_wasm) {
  using emscripten::function;
  emscripten::value_object<JsStatus>("Status")
      .field("code", &JsStatus::code)
      .field("name", &JsStatus::name)
      .field("message", &JsStatus::message);
  emscripten::value_object<SamplerConfig>("SamplerConfig")
      .field("kind", &SamplerConfig::kind)
      .field("stepsPerLevel", &SamplerConfig::steps_per_level)
      .field("stepSize", &SamplerConfig::step_size)
      .field("denoise", &SamplerConfig::denoise)
      .field("seedLo", &SamplerConfig::seed_lo)
      .field("seedHi", &SamplerConfig::seed_hi)
      .field("init", &SamplerConfig::init)
      .field("uniformLo", &SamplerConfig::uniform_lo)
      .field("uniformHi", &SamplerConfig::uniform_hi)
      .field("maxThreads", &SamplerConfig::max_threads);
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
      .function("level", &Sampler::Level)
      .function("done", &Sampler::Done)
      .function("samplesPtr", &Sampler::SamplesPtr);
}
