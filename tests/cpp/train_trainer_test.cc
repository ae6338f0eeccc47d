// The Trainer: bit-identical results for any thread count, resumable checkpoints (n + m steps ==
// n steps, checkpoint, resume, m steps), and its refusals of bad input and hostile checkpoints;
// TrainableFromSafetensors, through which checkpoints rebuild their networks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "models/architectures.h"
#include "models/model_file.h"
#include "models/trainable_network.h"
#include "train/trainer.h"

namespace sw {
namespace {

NcsnMlpWeights SmallWeights(uint64_t seed) {
  NcsnMlpConfig config;
  config.dim = 2;
  config.hidden = {16, 16};
  config.sigma_embedding_freqs = 4;
  config.sigmas = {2.0f, 0.8f, 0.3f, 0.1f};
  NcsnMlpWeights w;
  EXPECT_TRUE(InitNcsnMlpWeights(config, seed, &w).ok());
  return w;
}

std::unique_ptr<TrainableNetwork> SmallNet(uint64_t seed) {
  std::unique_ptr<TrainableNetwork> net;
  EXPECT_TRUE(MakeTrainableNcsnMlp(SmallWeights(seed), &net).ok());
  return net;
}

std::vector<float> Data(size_t n) {
  std::vector<float> data(n * 2);
  FillNormal(99, RandomStream::kLangevinNoise, 0, 0, data.data(), data.size());
  for (size_t i = 0; i < n; ++i) data[2 * i] += (i % 3 == 0) ? 2.0f : -1.0f;
  return data;
}

// Whether the model files of a and b hold the same tensors, bit for bit (fixed ones included).
bool SameBits(const TrainableNetwork& a, const TrainableNetwork& b) {
  SafetensorsFile fa, fb;
  if (!a.ToSafetensors(&fa).ok() || !b.ToSafetensors(&fb).ok()) return false;
  if (fa.metadata != fb.metadata || fa.tensors.size() != fb.tensors.size()) return false;
  for (size_t i = 0; i < fa.tensors.size(); ++i) {
    const Tensor &ta = fa.tensors[i], &tb = fb.tensors[i];
    if (ta.name != tb.name || ta.shape != tb.shape || ta.data.size() != tb.data.size() ||
        std::memcmp(ta.data.data(), tb.data.data(), ta.data.size() * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

TrainOptions Options(TrainObjective objective, size_t threads) {
  TrainOptions o;
  o.objective = objective;
  o.batch_size = 100;  // not a multiple of the chunk size
  o.lr = 3e-3;
  o.grad_clip = 5.0;
  o.ema_decay = 0.9;
  o.seed = 17;
  o.threads = threads;
  return o;
}

TEST(TrainerTest, BitIdenticalForAnyThreadCount) {
  for (TrainObjective objective : {TrainObjective::kDsm, TrainObjective::kSsm}) {
    std::unique_ptr<Trainer> one, two, three, shared;
    ThreadPool pool(2);  // the WASM module's way: the trainer borrows the module's pool
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 1), &one).ok());
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 2), &two).ok());
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 3), &three).ok());
    ASSERT_TRUE(
        Trainer::Create(SmallNet(1), Data(300), Options(objective, 1), &shared, &pool).ok());
    EXPECT_EQ(shared->options().threads, 2u);
    ASSERT_TRUE(one->Step(15).ok());
    ASSERT_TRUE(two->Step(15).ok());
    ASSERT_TRUE(three->Step(7).ok());
    ASSERT_TRUE(three->Step(8).ok());
    ASSERT_TRUE(shared->Step(15).ok());
    EXPECT_TRUE(SameBits(one->Network(), shared->Network()));
    EXPECT_EQ(one->step(), 15);
    EXPECT_TRUE(std::isfinite(one->loss()));
    EXPECT_EQ(one->last_loss(), two->last_loss());
    EXPECT_EQ(one->last_loss(), three->last_loss());
    EXPECT_TRUE(SameBits(one->Network(), two->Network()));
    EXPECT_TRUE(SameBits(one->Network(), three->Network()));
    EXPECT_TRUE(SameBits(one->EmaNetwork(), two->EmaNetwork()));
    EXPECT_FALSE(SameBits(one->Network(), *SmallNet(1)));  // it trained
    EXPECT_FALSE(SameBits(one->Network(), one->EmaNetwork()));
  }
}

TEST(TrainerTest, ResumeFromCheckpointIsBitIdentical) {
  for (TrainObjective objective : {TrainObjective::kDsm, TrainObjective::kSsm}) {
    const std::string path = ::testing::TempDir() + "/train_resume_" +
                             std::to_string(static_cast<int>(objective)) + ".safetensors";
    std::unique_ptr<Trainer> straight, first, resumed;
    ASSERT_TRUE(Trainer::Create(SmallNet(2), Data(200), Options(objective, 1), &straight).ok());
    ASSERT_TRUE(straight->Step(40).ok());

    ASSERT_TRUE(Trainer::Create(SmallNet(2), Data(200), Options(objective, 2), &first).ok());
    ASSERT_TRUE(first->Step(20).ok());
    const Status saved = first->SaveCheckpoint(path);
    ASSERT_TRUE(saved.ok()) << saved.ToString();
    const Status loaded = Trainer::FromCheckpoint(path, Data(200), 3, &resumed);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
    EXPECT_EQ(resumed->step(), 20);
    EXPECT_EQ(resumed->options().threads, 3u);
    EXPECT_EQ(resumed->options().lr, 3e-3);
    EXPECT_EQ(resumed->options().objective, objective);
    EXPECT_TRUE(SameBits(resumed->Network(), first->Network()));
    EXPECT_TRUE(SameBits(resumed->EmaNetwork(), first->EmaNetwork()));
    ASSERT_TRUE(resumed->Step(20).ok());
    ASSERT_TRUE(first->Step(20).ok());
    EXPECT_TRUE(SameBits(resumed->Network(), straight->Network()));
    EXPECT_TRUE(SameBits(resumed->EmaNetwork(), straight->EmaNetwork()));
    EXPECT_TRUE(SameBits(first->Network(), straight->Network()));
    EXPECT_EQ(resumed->last_loss(), straight->last_loss());

    // LoadCheckpoint into an existing trainer replaces its state.
    std::unique_ptr<Trainer> other;
    ASSERT_TRUE(Trainer::Create(SmallNet(5), Data(200), Options(objective, 1), &other).ok());
    ASSERT_TRUE(other->LoadCheckpoint(path).ok());
    ASSERT_TRUE(other->Step(20).ok());
    EXPECT_TRUE(SameBits(other->Network(), straight->Network()));

    // Other data is refused, and the trainer keeps its state.
    std::unique_ptr<Trainer> wrong;
    const Status refused = Trainer::FromCheckpoint(path, Data(201), 1, &wrong);
    EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
    std::vector<float> changed = Data(200);
    changed[7] += 1.0f;
    EXPECT_FALSE(Trainer::FromCheckpoint(path, changed, 1, &wrong).ok());
    EXPECT_EQ(Trainer::FromCheckpoint(path + ".missing", Data(200), 1, &wrong).code(),
              StatusCode::kIoError);
  }
}

// Trains SmallNet(2) for 30 steps straight (*straight) and for 10, a checkpoint at `path` and 20
// more on 2 threads (*resumed), expecting the same bits.
void TrainResumed(const TrainOptions& options, const std::string& path,
                  std::unique_ptr<Trainer>* straight, std::unique_ptr<Trainer>* resumed) {
  std::unique_ptr<Trainer> first;
  ASSERT_TRUE(Trainer::Create(SmallNet(2), Data(200), options, straight).ok());
  ASSERT_TRUE((*straight)->Step(30).ok());
  ASSERT_TRUE(Trainer::Create(SmallNet(2), Data(200), options, &first).ok());
  ASSERT_TRUE(first->Step(10).ok());
  ASSERT_TRUE(first->SaveCheckpoint(path).ok());
  ASSERT_TRUE(Trainer::FromCheckpoint(path, Data(200), 2, resumed).ok());
  ASSERT_TRUE((*resumed)->Step(20).ok());
  EXPECT_TRUE(SameBits((*resumed)->Network(), (*straight)->Network()));
}

TEST(TrainerTest, ContinuousSigmaIsLogUniformAndResumes) {
  const std::vector<float> sigmas = {2.0f, 0.8f, 0.3f, 0.1f};
  // Levels: each level takes a quarter of the 32-bit range, in order.
  for (uint32_t u : {0u, 0x3fffffffu, 0x40000000u, 0xbfffffffu, 0xc0000000u, 0xffffffffu}) {
    EXPECT_EQ(TrainingSigma(SigmaSampling::kLevels, sigmas, 0.0, u, 0), sigmas[u >> 30]) << u;
  }
  // Log-uniform: the u-quantile of log σ is log σ_max + q (log σ_min − log σ_max), q = (u +
  // ½)/2^32, so σ is decreasing in u, inside (σ_min, σ_max), and its median is the geometric mean.
  float previous = 3.0f;
  for (int k = 0; k <= 64; ++k) {
    const uint32_t u = k == 64 ? 0xffffffffu : static_cast<uint32_t>(k) << 26;
    const float s = TrainingSigma(SigmaSampling::kLogUniform, sigmas, 0.0, u, 0);
    const double q = (static_cast<double>(u) + 0.5) / 4294967296.0;
    EXPECT_NEAR(std::log(s), std::log(2.0) + q * (std::log(0.1) - std::log(2.0)), 1e-6) << u;
    EXPECT_LT(s, previous);
    EXPECT_GE(s, 0.1f);
    previous = s;
  }
  EXPECT_NEAR(TrainingSigma(SigmaSampling::kLogUniform, sigmas, 0.0, 0x80000000u, 0),
              std::sqrt(0.2), 1e-6);

  // It trains, checkpoints keep the choice, and resuming is bit-identical.
  const std::string path = ::testing::TempDir() + "/train_log_uniform.safetensors";
  TrainOptions options = Options(TrainObjective::kDsm, 1);
  options.sigma_sampling = SigmaSampling::kLogUniform;
  std::unique_ptr<Trainer> straight, resumed, levels;
  TrainResumed(options, path, &straight, &resumed);
  ASSERT_TRUE(resumed && straight);
  EXPECT_EQ(resumed->options().sigma_sampling, SigmaSampling::kLogUniform);
  ASSERT_TRUE(
      Trainer::Create(SmallNet(2), Data(200), Options(TrainObjective::kDsm, 1), &levels).ok());
  ASSERT_TRUE(levels->Step(30).ok());
  EXPECT_FALSE(SameBits(levels->Network(), straight->Network()));  // other σ, other weights
}

TEST(TrainerTest, LogNormalSigmaAndEdmWeightFollowEdmAndResume) {
  // ln σ ~ N(ln σ_d − 1.2 − ln 0.5, 1.2²), clamped to the levels' range: with σ_d = 0.5 and wide
  // levels, EDM's P_mean = −1.2 and P_std = 1.2. Over n draws on a Philox stream the sample mean
  // of ln σ is within 4 standard errors (1.2/√n) and the sample variance within 4 of its standard
  // errors (1.2² √(2/(n−1))) of the truth; 2.3 % of the mass lies below ln σ_min = −3.6 (clamped).
  const std::vector<float> wide = {400.0f, 0.0273f};  // ln: 5.99 (never reached), −3.60
  const size_t n = 200000;
  double sum = 0, sum_sq = 0;
  size_t at_min = 0;
  for (size_t i = 0; i < n; ++i) {
    const PhiloxCounter bits = Philox4x32(PhiloxCounter{{uint32_t(i), 7, 0, 0}}, 99);
    const float s = TrainingSigma(SigmaSampling::kLogNormal, wide, 0.5, bits.v[0], bits.v[1]);
    ASSERT_GE(s, wide.back());
    ASSERT_LE(s, wide.front());
    if (s == wide.back()) {
      ++at_min;
      continue;
    }
    sum += std::log(s), sum_sq += std::log(s) * std::log(s);
  }
  // The clamped tail: P(Z < (−3.6 + 1.2)/1.2 = −2) = 2.28 %, ± 4 binomial standard errors.
  const double p_min = 0.02275, se_min = std::sqrt(p_min * (1 - p_min) / n);
  EXPECT_NEAR(double(at_min) / n, p_min, 4 * se_min);
  // Of the unclamped draws: a normal truncated below at −2 standard deviations has mean
  // μ + σ φ(2)/Φ(2) and variance σ² (1 − 2 φ(2)/Φ(2) − (φ(2)/Φ(2))²).
  const double ratio = 0.05399 / 0.97725, kept = double(n - at_min);
  const double mean = sum / kept, var = sum_sq / kept - mean * mean;
  const double want_var = 1.44 * (1 + (-2.0) * ratio - ratio * ratio);
  EXPECT_NEAR(mean, -1.2 + 1.2 * ratio, 4 * std::sqrt(want_var / kept));
  EXPECT_NEAR(var, want_var, 4 * want_var * std::sqrt(2.0 / (kept - 1)));
  // σ_d moves the distribution: σ_d = 0.25 halves every σ.
  EXPECT_NEAR(TrainingSigma(SigmaSampling::kLogNormal, wide, 0.25, 0x12345678u, 0x9abcdefu),
              0.5f * TrainingSigma(SigmaSampling::kLogNormal, wide, 0.5, 0x12345678u, 0x9abcdefu),
              1e-6);

  // EDM's weight λ(σ) = (σ² + σ_d²)/(σ σ_d)² on D = x + σ² s is σ²(1 + σ²/σ_d²) on the score.
  EXPECT_EQ(LossWeight(LossWeighting::kSigmaSquared, 0.5, 3.0f), 1.0f);
  EXPECT_FLOAT_EQ(LossWeight(LossWeighting::kEdm, 0.5, 1.5f), 10.0f);

  // Both need the data's scale; SSM is σ²-weighted only.
  TrainOptions options = Options(TrainObjective::kDsm, 1);
  options.sigma_sampling = SigmaSampling::kLogNormal;
  std::unique_ptr<Trainer> trainer;
  EXPECT_EQ(Trainer::Create(SmallNet(2), Data(200), options, &trainer).code(),
            StatusCode::kInvalidArgument);
  options.sigma_data = NAN;
  EXPECT_FALSE(ValidateTrainOptions(options).ok());
  options.sigma_data = 0.8;
  options.loss_weighting = LossWeighting::kEdm;
  EXPECT_TRUE(ValidateTrainOptions(options).ok());
  TrainOptions ssm = options;
  ssm.objective = TrainObjective::kSsm;
  EXPECT_FALSE(ValidateTrainOptions(ssm).ok());

  // It trains, a checkpoint keeps all three options, and resuming is bit-identical.
  const std::string path = ::testing::TempDir() + "/train_log_normal.safetensors";
  std::unique_ptr<Trainer> straight, resumed;
  TrainResumed(options, path, &straight, &resumed);
  ASSERT_TRUE(resumed && straight);
  EXPECT_EQ(resumed->options().sigma_sampling, SigmaSampling::kLogNormal);
  EXPECT_EQ(resumed->options().loss_weighting, LossWeighting::kEdm);
  EXPECT_EQ(resumed->options().sigma_data, 0.8);
}

TEST(TrainerTest, CheckpointEmaIsALoadableModel) {
  const std::string path = ::testing::TempDir() + "/train_model.safetensors";
  std::unique_ptr<Trainer> trainer;
  ASSERT_TRUE(
      Trainer::Create(SmallNet(3), Data(100), Options(TrainObjective::kDsm, 1), &trainer).ok());
  ASSERT_TRUE(trainer->Step(3).ok());
  SafetensorsFile file;
  ASSERT_TRUE(trainer->EmaNetwork().ToSafetensors(&file).ok());
  std::unique_ptr<NcsnMlp> model;
  EXPECT_TRUE(NcsnMlp::FromSafetensors(file, &model).ok());
  // A model file is not a checkpoint.
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  ASSERT_TRUE(WriteFileBytes(path, bytes).ok());
  EXPECT_EQ(trainer->LoadCheckpoint(path).code(), StatusCode::kInvalidModel);
  EXPECT_EQ(trainer->step(), 3);
}

TEST(TrainerTest, RefusesBadInput) {
  std::unique_ptr<Trainer> t;
  TrainOptions o = Options(TrainObjective::kDsm, 1);
  EXPECT_EQ(Trainer::Create(SmallNet(1), {}, o, &t).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Trainer::Create(SmallNet(1), {1.0f, 2.0f, 3.0f}, o, &t).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Trainer::Create(SmallNet(1), {1.0f, NAN}, o, &t).code(), StatusCode::kInvalidArgument);
  for (auto bad :
       {+[](TrainOptions* x) { x->batch_size = 0; }, +[](TrainOptions* x) { x->lr = 0; },
        +[](TrainOptions* x) { x->lr = NAN; }, +[](TrainOptions* x) { x->grad_clip = -1; },
        +[](TrainOptions* x) { x->ema_decay = 1.5; }, +[](TrainOptions* x) { x->threads = 0; },
        +[](TrainOptions* x) { x->ssm_fd_eps = 0; }}) {
    TrainOptions b = o;
    bad(&b);
    EXPECT_EQ(Trainer::Create(SmallNet(1), Data(10), b, &t).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(Trainer::Create(nullptr, Data(10), o, &t).code(), StatusCode::kInvalidArgument);
  NcsnMlpWeights broken = SmallWeights(1);
  broken.biases[0].pop_back();
  std::unique_ptr<TrainableNetwork> refused;
  EXPECT_EQ(MakeTrainableNcsnMlp(broken, &refused).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(10), o, &t).ok());
  EXPECT_EQ(t->Step(-1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::isnan(t->loss()));
  // A learning rate that blows up stops with a status, never with non-finite weights.
  TrainOptions huge = o;
  huge.lr = 1e30;
  huge.grad_clip = 0;
  ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(10), huge, &t).ok());
  Status s;
  for (int i = 0; i < 50 && s.ok(); ++i) s = t->Step(1);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  SafetensorsFile file;  // writing it validates the weights, finiteness included
  EXPECT_TRUE(t->Network().ToSafetensors(&file).ok());
  NcsnMlpWeights weights;
  EXPECT_TRUE(NcsnMlpWeightsFromSafetensors(file, &weights).ok());
}

Tensor* FindTensor(SafetensorsFile* file, const std::string& name) {
  for (Tensor& t : file->tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void EraseTensor(SafetensorsFile* file, const std::string& name) {
  for (size_t i = 0; i < file->tensors.size(); ++i) {
    if (file->tensors[i].name == name) file->tensors.erase(file->tensors.begin() + i);
  }
}

// Checkpoints that are not what SaveCheckpoint writes are refused with INVALID_MODEL, by
// LoadCheckpoint (the trainer keeps its state) and by FromCheckpoint.
TEST(TrainerTest, RefusesHostileCheckpoints) {
  const std::string path = ::testing::TempDir() + "/train_hostile.safetensors";
  const std::string edited_path = ::testing::TempDir() + "/train_hostile_edited.safetensors";
  std::unique_ptr<Trainer> trainer;
  ASSERT_TRUE(
      Trainer::Create(SmallNet(4), Data(100), Options(TrainObjective::kDsm, 1), &trainer).ok());
  ASSERT_TRUE(trainer->Step(2).ok());
  ASSERT_TRUE(trainer->SaveCheckpoint(path).ok());
  ASSERT_TRUE(trainer->Step(1).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(ReadFileBytes(path, &bytes).ok());
  SafetensorsFile saved;
  ASSERT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &saved).ok());
  const std::vector<std::function<void(SafetensorsFile*)>> edits = {
      [](SafetensorsFile* f) { f->metadata[kMetadataArchitectureKey] = "ncsn-transformer"; },
      [](SafetensorsFile* f) { f->metadata.erase(kMetadataArchitectureKey); },
      [](SafetensorsFile* f) { f->metadata.erase(kMetadataConfigKey); },
      [](SafetensorsFile* f) { f->metadata[kMetadataFormatKey] = kModelFileFormat; },
      // The EMA's fixed σ-embedding frequencies are not the network's.
      [](SafetensorsFile* f) { FindTensor(f, "ema.sigma_embed.freqs")->data[0] += 1.0f; },
      [](SafetensorsFile* f) { EraseTensor(f, "params.layers.0.bias"); },
      [](SafetensorsFile* f) { EraseTensor(f, "ema.layers.2.weight"); },
      [](SafetensorsFile* f) { EraseTensor(f, "adam_m.layers.2.bias"); },
      // The right number of values in the wrong shape.
      [](SafetensorsFile* f) {
        Tensor* t = FindTensor(f, "adam_v.layers.1.weight");
        t->shape = {static_cast<int64_t>(t->data.size())};
      },
      [](SafetensorsFile* f) { f->metadata["step"] = "-3"; },
      [](SafetensorsFile* f) { f->metadata["train_options"] = "{}"; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE(i);
    SafetensorsFile edited = saved;
    edits[i](&edited);
    std::vector<uint8_t> edited_bytes;
    ASSERT_TRUE(WriteSafetensors(edited, false, &edited_bytes).ok());
    ASSERT_TRUE(WriteFileBytes(edited_path, edited_bytes).ok());
    const Status loaded = trainer->LoadCheckpoint(edited_path);
    EXPECT_EQ(loaded.code(), StatusCode::kInvalidModel) << loaded.ToString();
    EXPECT_EQ(trainer->step(), 3);
    std::unique_ptr<Trainer> fresh;
    const Status created = Trainer::FromCheckpoint(edited_path, Data(100), 1, &fresh);
    EXPECT_EQ(created.code(), StatusCode::kInvalidModel) << created.ToString();
    EXPECT_EQ(fresh.get(), nullptr);
  }
  ASSERT_TRUE(trainer->LoadCheckpoint(path).ok());
  EXPECT_EQ(trainer->step(), 2);
}

TEST(TrainableTest, FromSafetensorsRebuildsTheMlp) {
  const std::unique_ptr<TrainableNetwork> net = SmallNet(6);
  SafetensorsFile file;
  ASSERT_TRUE(net->ToSafetensors(&file).ok());
  std::unique_ptr<TrainableNetwork> rebuilt;
  const Status status = TrainableFromSafetensors(file, &rebuilt);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(SameBits(*rebuilt, *net));
  EXPECT_EQ(rebuilt->ParameterNames(), net->ParameterNames());
  EXPECT_EQ(rebuilt->TrainChunkRows(), net->TrainChunkRows());
}

TEST(TrainableTest, FromSafetensorsRejectsUnknownArchitectures) {
  SafetensorsFile file;
  ASSERT_TRUE(SmallNet(7)->ToSafetensors(&file).ok());
  std::unique_ptr<TrainableNetwork> out;
  SafetensorsFile unknown = file;
  unknown.metadata[kMetadataArchitectureKey] = "ncsn-transformer";
  const Status status = TrainableFromSafetensors(unknown, &out);
  EXPECT_EQ(status.code(), StatusCode::kInvalidModel);
  EXPECT_NE(status.message().find("\"ncsn-transformer\""), std::string::npos) << status.ToString();

  SafetensorsFile no_architecture = file;
  no_architecture.metadata.erase(kMetadataArchitectureKey);
  EXPECT_EQ(TrainableFromSafetensors(no_architecture, &out).code(), StatusCode::kInvalidModel);
  SafetensorsFile not_a_model = file;
  not_a_model.metadata[kMetadataFormatKey] = "score-wasm-checkpoint";
  EXPECT_EQ(TrainableFromSafetensors(not_a_model, &out).code(), StatusCode::kInvalidModel);
  SafetensorsFile missing_tensor = file;
  missing_tensor.tensors.pop_back();
  EXPECT_EQ(TrainableFromSafetensors(missing_tensor, &out).code(), StatusCode::kInvalidModel);
  EXPECT_EQ(out.get(), nullptr);
}

}  // namespace
}  // namespace sw
