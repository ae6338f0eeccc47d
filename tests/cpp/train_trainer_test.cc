// The Trainer: bit-identical results for any thread count, resumable checkpoints (n + m steps ==
// n steps, checkpoint, resume, m steps), and its refusals of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "train/trainer.h"

namespace sw {
namespace {

NcsnMlpWeights SmallNet(uint64_t seed) {
  NcsnMlpConfig config;
  config.dim = 2;
  config.hidden = {16, 16};
  config.sigma_embedding_freqs = 4;
  config.sigmas = {2.0f, 0.8f, 0.3f, 0.1f};
  NcsnMlpWeights w;
  EXPECT_TRUE(InitNcsnMlpWeights(config, seed, &w).ok());
  return w;
}

std::vector<float> Data(size_t n) {
  std::vector<float> data(n * 2);
  FillNormal(99, RandomStream::kLangevinNoise, 0, 0, data.data(), data.size());
  for (size_t i = 0; i < n; ++i) data[2 * i] += (i % 3 == 0) ? 2.0f : -1.0f;
  return data;
}

bool SameBits(const NcsnMlpWeights& a, const NcsnMlpWeights& b) {
  if (a.weights.size() != b.weights.size()) return false;
  for (size_t l = 0; l < a.weights.size(); ++l) {
    if (a.weights[l].size() != b.weights[l].size() || a.biases[l].size() != b.biases[l].size() ||
        std::memcmp(a.weights[l].data(), b.weights[l].data(), a.weights[l].size() * 4) != 0 ||
        std::memcmp(a.biases[l].data(), b.biases[l].data(), a.biases[l].size() * 4) != 0) {
      return false;
    }
  }
  return a.freqs == b.freqs;
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
    std::unique_ptr<Trainer> one, two, three;
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 1), &one).ok());
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 2), &two).ok());
    ASSERT_TRUE(Trainer::Create(SmallNet(1), Data(300), Options(objective, 3), &three).ok());
    ASSERT_TRUE(one->Step(15).ok());
    ASSERT_TRUE(two->Step(15).ok());
    ASSERT_TRUE(three->Step(7).ok());
    ASSERT_TRUE(three->Step(8).ok());
    EXPECT_EQ(one->step(), 15);
    EXPECT_TRUE(std::isfinite(one->loss()));
    EXPECT_EQ(one->last_loss(), two->last_loss());
    EXPECT_EQ(one->last_loss(), three->last_loss());
    EXPECT_TRUE(SameBits(one->weights(), two->weights()));
    EXPECT_TRUE(SameBits(one->weights(), three->weights()));
    EXPECT_TRUE(SameBits(one->EmaWeights(), two->EmaWeights()));
    EXPECT_FALSE(SameBits(one->weights(), SmallNet(1)));  // it trained
    EXPECT_FALSE(SameBits(one->weights(), one->EmaWeights()));
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
    EXPECT_TRUE(SameBits(resumed->weights(), first->weights()));
    EXPECT_TRUE(SameBits(resumed->EmaWeights(), first->EmaWeights()));
    ASSERT_TRUE(resumed->Step(20).ok());
    ASSERT_TRUE(first->Step(20).ok());
    EXPECT_TRUE(SameBits(resumed->weights(), straight->weights()));
    EXPECT_TRUE(SameBits(resumed->EmaWeights(), straight->EmaWeights()));
    EXPECT_TRUE(SameBits(first->weights(), straight->weights()));
    EXPECT_EQ(resumed->last_loss(), straight->last_loss());

    // LoadCheckpoint into an existing trainer replaces its state.
    std::unique_ptr<Trainer> other;
    ASSERT_TRUE(Trainer::Create(SmallNet(5), Data(200), Options(objective, 1), &other).ok());
    ASSERT_TRUE(other->LoadCheckpoint(path).ok());
    ASSERT_TRUE(other->Step(20).ok());
    EXPECT_TRUE(SameBits(other->weights(), straight->weights()));

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

TEST(TrainerTest, CheckpointEmaIsALoadableModel) {
  const std::string path = ::testing::TempDir() + "/train_model.safetensors";
  std::unique_ptr<Trainer> trainer;
  ASSERT_TRUE(
      Trainer::Create(SmallNet(3), Data(100), Options(TrainObjective::kDsm, 1), &trainer).ok());
  ASSERT_TRUE(trainer->Step(3).ok());
  SafetensorsFile file;
  ASSERT_TRUE(NcsnMlpWeightsToSafetensors(trainer->EmaWeights(), &file).ok());
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
  NcsnMlpWeights broken = SmallNet(1);
  broken.biases[0].pop_back();
  EXPECT_EQ(Trainer::Create(broken, Data(10), o, &t).code(), StatusCode::kInvalidArgument);
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
  EXPECT_TRUE(ValidateNcsnMlpWeights(t->weights()).ok());
}

}  // namespace
}  // namespace sw
