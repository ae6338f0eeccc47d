// The training step (chunks of the batch over the thread pool, summed in chunk order, then clip,
// Adam and EMA) and checkpoints as .safetensors files.
#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "core/fnv1a.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "io/safetensors.h"
#include "models/architectures.h"
#include "models/model_file.h"

namespace sw {
namespace {

constexpr char kCheckpointFormat[] = "score-wasm-checkpoint";

constexpr size_t kMaxBatch = size_t{1} << 20;
// EDM's log-normal σ (P_mean = −1.2, P_std = 1.2 for σ_d = 0.5): the mean of ln σ is ln σ_d plus
// −1.2 − ln 0.5.
constexpr double kEdmLogStd = 1.2;
constexpr double kEdmLogMeanShift = -1.2 + 0.69314718055994531;
constexpr size_t kMaxThreads = 256;

// FNV-1a over the data's bytes: enough to notice that a checkpoint is resumed on other data.
std::string Fingerprint(const std::vector<float>& data) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(Fnv1a64(data.data(), data.size() * sizeof(float))));
  return text;
}

// The options' names in checkpoints (and score-train's flags), by enum value.
constexpr const char* kSigmaSamplingNames[] = {"levels", "log-uniform", "log-normal"};
constexpr const char* kLossWeightingNames[] = {"sigma2", "edm"};

// The enum value of `name` in names (n of them), or -1.
template <size_t N>
int IndexOf(const char* const (&names)[N], const std::string& name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<int>(i);
  }
  return -1;
}

std::string OptionsToJson(const TrainOptions& o) {
  nlohmann::ordered_json j;
  j["objective"] = o.objective == TrainObjective::kDsm ? "dsm" : "ssm";
  j["sigma_sampling"] = kSigmaSamplingNames[static_cast<int>(o.sigma_sampling)];
  j["loss_weighting"] = kLossWeightingNames[static_cast<int>(o.loss_weighting)];
  j["sigma_data"] = o.sigma_data;
  j["steps"] = o.steps;
  j["batch_size"] = o.batch_size;
  j["lr"] = o.lr;
  j["grad_clip"] = o.grad_clip;
  j["ema_decay"] = o.ema_decay;
  j["seed"] = o.seed;
  j["threads"] = o.threads;
  j["ssm_fd_eps"] = o.ssm_fd_eps;
  return j.dump();
}

Status BadCheckpoint(const std::string& message) { return InvalidModel("checkpoint: " + message); }

Status OptionsFromJson(const std::string& text, TrainOptions* out) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return BadCheckpoint("\"train_options\" is not a JSON object");
  TrainOptions o;
  const auto get = [&](const char* key, auto* value) -> bool {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return false;
    *value = it->get<std::decay_t<decltype(*value)>>();
    return true;
  };
  auto objective = j.find("objective");
  if (objective == j.end() || !objective->is_string() ||
      (*objective != "dsm" && *objective != "ssm")) {
    return BadCheckpoint("train_options.objective must be \"dsm\" or \"ssm\"");
  }
  o.objective = *objective == "dsm" ? TrainObjective::kDsm : TrainObjective::kSsm;
  // Each absent in checkpoints written before it existed: those drew levels, weighted by σ².
  const auto name = [&](const char* key, auto parse, auto* value) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return Status::Ok();
    if (!it->is_string() || !parse(it->template get<std::string>(), value)) {
      return BadCheckpoint(std::string("train_options.") + key + " is unknown");
    }
    return Status::Ok();
  };
  SW_RETURN_IF_ERROR(name("sigma_sampling", ParseSigmaSampling, &o.sigma_sampling));
  SW_RETURN_IF_ERROR(name("loss_weighting", ParseLossWeighting, &o.loss_weighting));
  if (j.contains("sigma_data") && !get("sigma_data", &o.sigma_data)) {
    return BadCheckpoint("train_options.sigma_data is no number");
  }
  if (!get("steps", &o.steps) || !get("batch_size", &o.batch_size) || !get("lr", &o.lr) ||
      !get("grad_clip", &o.grad_clip) || !get("ema_decay", &o.ema_decay) || !get("seed", &o.seed) ||
      !get("threads", &o.threads) || !get("ssm_fd_eps", &o.ssm_fd_eps)) {
    return BadCheckpoint("train_options lacks a numeric option: " + QuoteForMessage(text));
  }
  const Status valid = ValidateTrainOptions(o);
  if (!valid.ok()) return BadCheckpoint(valid.message());
  *out = o;
  return Status::Ok();
}

// The tensors of `file` whose names start with `prefix`, renamed without it, with the model
// metadata, as a model file.
SafetensorsFile SubFile(const SafetensorsFile& file, const std::string& prefix) {
  SafetensorsFile sub;
  sub.metadata = file.metadata;
  sub.metadata[kMetadataFormatKey] = kModelFileFormat;
  for (const Tensor& t : file.tensors) {
    if (t.name.compare(0, prefix.size(), prefix) == 0) {
      sub.tensors.push_back({t.name.substr(prefix.size()), t.shape, t.data});
    }
  }
  return sub;
}

// Reads and parses the checkpoint at `path`, checking that it is one.
Status ReadCheckpoint(const std::string& path, SafetensorsFile* out) {
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(ReadFileBytes(path, &bytes));
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadSafetensors(bytes.data(), bytes.size(), &file));
  const auto format = file.metadata.find(kMetadataFormatKey);
  if (format == file.metadata.end() || format->second != kCheckpointFormat) {
    return BadCheckpoint("the metadata \"format\" is not \"score-wasm-checkpoint\"");
  }
  *out = std::move(file);
  return Status::Ok();
}

}  // namespace

float TrainingSigma(SigmaSampling how, const std::vector<float>& sigmas, double sigma_data,
                    uint32_t u0, uint32_t u1) {
  if (how == SigmaSampling::kLevels) {
    return sigmas[static_cast<size_t>((uint64_t{u0} * sigmas.size()) >> 32)];
  }
  // (u + ½) / 2^32 is in (0, 1): both ends are reached only in the limit, as for a continuous draw.
  const double t = (static_cast<double>(u0) + 0.5) / 4294967296.0;
  const double log_max = std::log(static_cast<double>(sigmas.front()));
  const double log_min = std::log(static_cast<double>(sigmas.back()));
  if (how == SigmaSampling::kLogUniform) {
    return static_cast<float>(std::exp(log_max + t * (log_min - log_max)));
  }
  // Box–Muller: one N(0, 1) deviate from two uniforms in (0, 1).
  const double t1 = (static_cast<double>(u1) + 0.5) / 4294967296.0;
  const double normal = std::sqrt(-2.0 * std::log(t)) * std::cos(2.0 * M_PI * t1);
  const double log_sigma = std::log(sigma_data) + kEdmLogMeanShift + kEdmLogStd * normal;
  return static_cast<float>(std::exp(std::clamp(log_sigma, log_min, log_max)));
}

bool ParseSigmaSampling(const std::string& name, SigmaSampling* out) {
  const int i = IndexOf(kSigmaSamplingNames, name);
  if (i >= 0) *out = static_cast<SigmaSampling>(i);
  return i >= 0;
}

bool ParseLossWeighting(const std::string& name, LossWeighting* out) {
  const int i = IndexOf(kLossWeightingNames, name);
  if (i >= 0) *out = static_cast<LossWeighting>(i);
  return i >= 0;
}

float LossWeight(LossWeighting how, double sigma_data, float sigma) {
  if (how == LossWeighting::kSigmaSquared) return 1.0f;
  const double ratio = sigma / sigma_data;
  return static_cast<float>(1.0 + ratio * ratio);
}

Status ValidateTrainOptions(const TrainOptions& o) {
  if (o.steps < 0) return InvalidArgument("train options: steps must be >= 0");
  if (o.batch_size < 1 || o.batch_size > kMaxBatch) {
    return InvalidArgument("train options: batch_size = " + std::to_string(o.batch_size) +
                           "; expected 1 to " + std::to_string(kMaxBatch));
  }
  if (!std::isfinite(o.lr) || !(o.lr > 0)) {
    return InvalidArgument("train options: lr must be finite and > 0");
  }
  if (!std::isfinite(o.grad_clip) || o.grad_clip < 0) {
    return InvalidArgument("train options: grad_clip must be finite and >= 0 (0 = no clipping)");
  }
  if (!(o.ema_decay >= 0 && o.ema_decay <= 1)) {
    return InvalidArgument("train options: ema_decay must be in [0, 1]");
  }
  if (o.threads < 1 || o.threads > kMaxThreads) {
    return InvalidArgument("train options: threads must be 1 to " + std::to_string(kMaxThreads));
  }
  if (!std::isfinite(o.ssm_fd_eps) || !(o.ssm_fd_eps > 0)) {
    return InvalidArgument("train options: ssm_fd_eps must be finite and > 0");
  }
  if (o.objective != TrainObjective::kDsm && o.objective != TrainObjective::kSsm) {
    return InvalidArgument("train options: unknown objective");
  }
  if (o.sigma_sampling != SigmaSampling::kLevels &&
      o.sigma_sampling != SigmaSampling::kLogUniform &&
      o.sigma_sampling != SigmaSampling::kLogNormal) {
    return InvalidArgument("train options: unknown sigma sampling");
  }
  if (o.loss_weighting != LossWeighting::kSigmaSquared && o.loss_weighting != LossWeighting::kEdm) {
    return InvalidArgument("train options: unknown loss weighting");
  }
  if (!std::isfinite(o.sigma_data) || o.sigma_data < 0) {
    return InvalidArgument("train options: sigma_data must be finite and >= 0");
  }
  const bool needs_scale =
      o.sigma_sampling == SigmaSampling::kLogNormal || o.loss_weighting == LossWeighting::kEdm;
  if (needs_scale && !(o.sigma_data >= 1e-3 && o.sigma_data <= 1e3)) {
    return InvalidArgument(
        "train options: log-normal sigma sampling and EDM loss weighting need sigma_data, the "
        "data's scale, 0.001 to 1000");
  }
  if (o.objective == TrainObjective::kSsm && o.loss_weighting != LossWeighting::kSigmaSquared) {
    return InvalidArgument("train options: sliced score matching is weighted by sigma^2 only");
  }
  return Status::Ok();
}

Trainer::Trainer(std::vector<float> data, size_t dim, size_t threads, ThreadPool* shared_pool)
    : data_(std::move(data)),
      dim_(dim),
      rows_(data_.size() / dim),
      pool_(shared_pool),
      threads_(shared_pool != nullptr ? shared_pool->num_threads() : threads),
      loss_(std::numeric_limits<double>::quiet_NaN()),
      last_loss_(std::numeric_limits<double>::quiet_NaN()),
      last_grad_norm_(std::numeric_limits<double>::quiet_NaN()) {
  if (pool_ == nullptr && threads > 1) {
    owned_pool_ = std::make_unique<ThreadPool>(threads);
    pool_ = owned_pool_.get();
  }
}

static Status CheckData(const std::vector<float>& data, size_t dim) {
  if (data.empty() || data.size() % dim != 0) {
    return InvalidArgument("trainer: the data has " + std::to_string(data.size()) +
                           " values; expected a positive multiple of dim = " + std::to_string(dim));
  }
  for (float v : data) {
    if (!std::isfinite(v)) return InvalidArgument("trainer: the data holds a non-finite value");
  }
  return Status::Ok();
}

Status Trainer::Create(std::unique_ptr<TrainableNetwork> initial, std::vector<float> data,
                       const TrainOptions& options, std::unique_ptr<Trainer>* out,
                       ThreadPool* shared_pool) {
  if (initial == nullptr) return InvalidArgument("trainer: no network to train");
  SW_RETURN_IF_ERROR(ValidateTrainOptions(options));
  const size_t dim = initial->dim();
  SW_RETURN_IF_ERROR(CheckData(data, dim));
  std::unique_ptr<Trainer> trainer(new Trainer(std::move(data), dim, options.threads, shared_pool));
  std::unique_ptr<TrainableNetwork> ema = initial->Clone();
  trainer->Reset(std::move(initial), std::move(ema), options);
  *out = std::move(trainer);
  return Status::Ok();
}

void Trainer::Reset(std::unique_ptr<TrainableNetwork> network,
                    std::unique_ptr<TrainableNetwork> ema, const TrainOptions& options) {
  options_ = options;
  options_.threads = threads_;
  network_ = std::move(network);
  ema_ = std::move(ema);
  chunk_rows_ = network_->TrainChunkRows();
  std::vector<size_t> sizes;
  for (const std::vector<float>* t : network_->Parameters()) sizes.push_back(t->size());
  batch_ = std::make_unique<BatchGradient>(sizes, options_.batch_size, chunk_rows_);
  AdamOptions adam;
  adam.lr = options_.lr;
  adam_ = std::make_unique<Adam>(adam, sizes);
  step_ = 0;
  chunks_.clear();
  chunks_.resize(batch_->max_chunks());
  for (Chunk& c : chunks_) c.tape = network_->NewTape();
}

double Trainer::RunChunk(size_t chunk, size_t begin, size_t end, const TensorList& grads) {
  Chunk& c = chunks_[chunk];
  const size_t rows = end - begin;
  const std::vector<float>& sigmas = network_->sigmas();
  const bool ssm = options_.objective == TrainObjective::kSsm;
  c.x.resize(rows * dim_);
  c.sigma.resize(rows);
  c.weight.resize(rows);
  c.z.resize(rows * dim_);
  if (ssm) c.v.resize(rows * dim_);
  const uint64_t batch_key =
      options_.seed ^ (uint64_t{static_cast<uint32_t>(RandomStream::kTrainBatch)} << 56);
  const uint32_t step = static_cast<uint32_t>(step_);
  for (size_t r = 0; r < rows; ++r) {
    const uint32_t slot = static_cast<uint32_t>(begin + r);
    const PhiloxCounter bits = Philox4x32(PhiloxCounter{{slot, step, 0, 0}}, batch_key);
    const uint64_t index = ((uint64_t{bits.v[0]} << 32) | bits.v[1]) % rows_;
    std::copy(data_.begin() + index * dim_, data_.begin() + (index + 1) * dim_,
              c.x.begin() + r * dim_);
    c.sigma[r] =
        TrainingSigma(options_.sigma_sampling, sigmas, options_.sigma_data, bits.v[2], bits.v[3]);
    c.weight[r] = LossWeight(options_.loss_weighting, options_.sigma_data, c.sigma[r]);
    FillNormal(options_.seed, RandomStream::kTrainNoise, slot, step, c.z.data() + r * dim_, dim_);
    if (ssm) {
      FillNormal(options_.seed, RandomStream::kTrainDirection, slot, step, c.v.data() + r * dim_,
                 dim_);
    }
  }
  return ssm ? FdSsmLossAndGrad(c.tape.get(), dim_, c.x.data(), c.sigma.data(), c.z.data(),
                                c.v.data(), rows, static_cast<float>(options_.ssm_fd_eps), grads,
                                &c.ws)
             : DsmLossAndGrad(c.tape.get(), dim_, c.x.data(), c.sigma.data(), c.z.data(),
                              c.weight.data(), rows, grads, &c.ws);
}

Status Trainer::Step(int64_t k) {
  if (k < 0) return InvalidArgument("trainer: Step(k) needs k >= 0");
  if (step_ + k > int64_t{std::numeric_limits<uint32_t>::max()}) {
    return InvalidArgument("trainer: at most 2^32 - 1 steps");
  }
  double loss_sum = 0.0;
  const TensorList params = network_->Parameters();
  const TensorList& grads = batch_->Mean();
  const ConstTensorList const_grads(grads.begin(), grads.end());
  const ConstTensorList const_params(params.begin(), params.end());
  const TensorList ema = ema_->Parameters();
  const BatchGradient::ChunkFn chunk_fn = [this](size_t chunk, size_t begin, size_t end,
                                                 const TensorList& chunk_grads) {
    return RunChunk(chunk, begin, end, chunk_grads);
  };
  for (int64_t s = 0; s < k; ++s) {
    const double loss = batch_->Compute(options_.batch_size, pool_, chunk_fn) /
                        static_cast<double>(options_.batch_size);
    const double norm = ClipByGlobalNorm(grads, options_.grad_clip);
    if (!std::isfinite(loss) || !std::isfinite(norm)) {
      return InvalidArgument("trainer: non-finite loss or gradient at step " +
                             std::to_string(step_) + "; lower the learning rate");
    }
    adam_->Update(params, const_grads);
    EmaUpdate(ema, const_params, options_.ema_decay);
    ++step_;
    last_loss_ = loss;
    last_grad_norm_ = norm;
    loss_sum += loss;
  }
  if (k > 0) loss_ = loss_sum / static_cast<double>(k);
  return Status::Ok();
}

Status Trainer::SaveCheckpoint(const std::string& path) const {
  SafetensorsFile file, params, ema;
  SW_RETURN_IF_ERROR(network_->ToSafetensors(&params));
  SW_RETURN_IF_ERROR(ema_->ToSafetensors(&ema));
  file.metadata = params.metadata;
  file.metadata[kMetadataFormatKey] = kCheckpointFormat;
  file.metadata["train_options"] = OptionsToJson(options_);
  file.metadata["step"] = std::to_string(step_);
  nlohmann::ordered_json data;
  data["rows"] = rows_;
  data["dim"] = dim_;
  data["fingerprint"] = Fingerprint(data_);
  file.metadata["data"] = data.dump();
  // The moments have their parameters' shapes, which only the model file knows.
  const std::vector<std::string> names = network_->ParameterNames();
  std::vector<std::vector<int64_t>> shapes;
  for (const std::string& name : names) {
    const Tensor* t = params.Find(name);
    if (t == nullptr) {
      return Status(StatusCode::kInternal,
                    "checkpoint: parameter " + QuoteForMessage(name) + " is not in the model file");
    }
    shapes.push_back(t->shape);
  }
  for (Tensor& t : params.tensors) {
    file.tensors.push_back({"params." + t.name, t.shape, std::move(t.data)});
  }
  for (Tensor& t : ema.tensors) {
    file.tensors.push_back({"ema." + t.name, t.shape, std::move(t.data)});
  }
  for (auto [prefix, moments] : {std::pair{"adam_m.", &adam_->first_moment()},
                                 std::pair{"adam_v.", &adam_->second_moment()}}) {
    for (size_t i = 0; i < names.size(); ++i) {
      file.tensors.push_back({prefix + names[i], shapes[i], (*moments)[i]});
    }
  }
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(WriteSafetensors(file, /*store_f16=*/false, &bytes));
  return WriteFileBytes(path, bytes);
}

Status Trainer::LoadCheckpoint(const std::string& path) {
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadCheckpoint(path, &file));
  return LoadCheckpointFile(file);
}

Status Trainer::LoadCheckpointFile(const SafetensorsFile& file) {
  const auto meta = [&](const char* key) -> const std::string* {
    auto it = file.metadata.find(key);
    return it == file.metadata.end() ? nullptr : &it->second;
  };
  std::unique_ptr<TrainableNetwork> network, ema;
  SW_RETURN_IF_ERROR(TrainableFromSafetensors(SubFile(file, "params."), &network));
  SW_RETURN_IF_ERROR(TrainableFromSafetensors(SubFile(file, "ema."), &ema));
  // Both come from the same metadata, so they share architecture and config; the EMA only
  // averages the parameters, so every other tensor must be the network's.
  SafetensorsFile network_file, ema_file;
  SW_RETURN_IF_ERROR(network->ToSafetensors(&network_file));
  SW_RETURN_IF_ERROR(ema->ToSafetensors(&ema_file));
  const std::vector<std::string> names = network->ParameterNames();
  const std::set<std::string> trained(names.begin(), names.end());
  for (const Tensor& t : network_file.tensors) {
    const Tensor* e = ema_file.Find(t.name);
    if (e == nullptr || e->shape != t.shape || (trained.count(t.name) == 0 && e->data != t.data)) {
      return BadCheckpoint("the EMA network's " + QuoteForMessage(t.name) +
                           " does not match the network's (only trained tensors may differ)");
    }
  }
  if (network->dim() != dim_) {
    return InvalidArgument("checkpoint: the model has dim " + std::to_string(network->dim()) +
                           " but the data has dim " + std::to_string(dim_));
  }
  TrainOptions options;
  const std::string* options_text = meta("train_options");
  if (options_text == nullptr) return BadCheckpoint("no \"train_options\" metadata");
  SW_RETURN_IF_ERROR(OptionsFromJson(*options_text, &options));
  const std::string* step_text = meta("step");
  int64_t step = -1;
  if (step_text != nullptr && !step_text->empty() && step_text->size() < 12 &&
      step_text->find_first_not_of("0123456789") == std::string::npos) {
    step = std::stoll(*step_text);
  }
  if (step < 0 || step > int64_t{std::numeric_limits<uint32_t>::max()}) {
    return BadCheckpoint("\"step\" is not a step count");
  }
  const std::string* data_text = meta("data");
  nlohmann::ordered_json data;
  data["rows"] = rows_;
  data["dim"] = dim_;
  data["fingerprint"] = Fingerprint(data_);
  if (data_text == nullptr || *data_text != data.dump()) {
    return InvalidArgument("checkpoint: it was trained on other data (saved " +
                           (data_text ? QuoteForMessage(*data_text) : std::string("nothing")) +
                           ", given " + data.dump() + ")");
  }
  // Adam moments: one per parameter, with its shape.
  std::vector<std::vector<float>> m, v;
  for (const std::string& name : names) {
    const Tensor* param = network_file.Find(name);
    for (auto [prefix, list] : {std::pair{"adam_m.", &m}, std::pair{"adam_v.", &v}}) {
      const Tensor* t = file.Find(prefix + name);
      if (param == nullptr || t == nullptr || t->shape != param->shape) {
        return BadCheckpoint("tensor " + QuoteForMessage(prefix + name) +
                             " is missing or mis-shaped");
      }
      list->push_back(t->data);
    }
  }
  Reset(std::move(network), std::move(ema), options);
  adam_->first_moment() = std::move(m);
  adam_->second_moment() = std::move(v);
  adam_->set_step(step);
  step_ = step;
  return Status::Ok();
}

Status Trainer::FromCheckpoint(const std::string& path, std::vector<float> data, size_t threads,
                               std::unique_ptr<Trainer>* out) {
  if (threads < 1 || threads > kMaxThreads) {
    return InvalidArgument("trainer: threads must be 1 to " + std::to_string(kMaxThreads));
  }
  SafetensorsFile file;
  SW_RETURN_IF_ERROR(ReadCheckpoint(path, &file));
  // The dim is only known from the file: rebuild its network first.
  std::unique_ptr<TrainableNetwork> network;
  SW_RETURN_IF_ERROR(TrainableFromSafetensors(SubFile(file, "params."), &network));
  const size_t dim = network->dim();
  SW_RETURN_IF_ERROR(CheckData(data, dim));
  std::unique_ptr<Trainer> trainer(new Trainer(std::move(data), dim, threads, nullptr));
  SW_RETURN_IF_ERROR(trainer->LoadCheckpointFile(file));
  *out = std::move(trainer);
  return Status::Ok();
}

}  // namespace sw
