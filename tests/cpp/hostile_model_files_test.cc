// Hand-made model files that once crashed the module or made it allocate without bound, each
// loaded as a user's page would: every one must give a clear, typed error (or a bounded call),
// and the loader must stay usable after it.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/memory_budget.h"
#include "core/thread_pool.h"
#include "io/safetensors.h"
#include "models/model_file.h"
#include "models/ncsn_unet.h"
#include "samplers/sampler.h"

namespace sw {
namespace {

// A U-Net model file for `config` with every tensor the config implies, all zero (so its size is
// that of the weights, not of the activations), written as a user could write it by hand: no
// validation on the way.
std::vector<uint8_t> UnetFile(const NcsnUnetConfig& c, const std::string& config_json) {
  SafetensorsFile file;
  file.metadata["format"] = "score-wasm";
  file.metadata["architecture"] = "ncsn-unet";
  file.metadata["config"] = config_json;
  for (const TensorSpec& spec : NcsnUnetTensorTable(c)) {
    size_t size = 1;
    for (int64_t d : spec.shape) size *= static_cast<size_t>(d);
    const float value = spec.trainable ? 0.0f : 0.5f;  // the frequencies
    file.tensors.push_back({spec.name, spec.shape, std::vector<float>(size, value)});
  }
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(WriteSafetensors(file, /*store_f16=*/true, &bytes).ok());
  return bytes;
}

NcsnUnetConfig UnetConfig(size_t h, size_t w, size_t ch, std::vector<size_t> channels) {
  NcsnUnetConfig c;
  c.height = h, c.width = w, c.image_channels = ch;
  c.channels = std::move(channels);
  c.groups = 1;
  c.sigma_embedding_freqs = 2;
  c.embedding_dim = 4;
  c.sigmas = {1.0f, 0.1f};
  return c;
}

std::string UnetConfigJson(const NcsnUnetConfig& c, const std::string& sampling = "") {
  std::string channels;
  for (size_t v : c.channels) channels += (channels.empty() ? "" : ",") + std::to_string(v);
  return "{\"data_shape\":[" + std::to_string(c.height) + "," + std::to_string(c.width) + "," +
         std::to_string(c.image_channels) + "],\"channels\":[" + channels +
         "],\"groups\":1,\"sigma_embedding_freqs\":2,\"embedding_dim\":4,\"sigmas\":[1,0.1]" +
         (sampling.empty() ? "" : ",\"sampling\":" + sampling) + "}";
}

Status Load(const std::vector<uint8_t>& bytes, LoadedModel* loaded) {
  return LoadScoreModel(bytes.data(), bytes.size(), loaded);
}

// After any refusal a valid file still loads and scores.
void ExpectLoaderStillWorks() {
  const NcsnUnetConfig c = UnetConfig(4, 4, 1, {2});
  LoadedModel loaded;
  ASSERT_TRUE(Load(UnetFile(c, UnetConfigJson(c)), &loaded).ok());
  std::vector<float> x(16, 0.25f), out(16);
  ASSERT_TRUE(ScoreBatch(*loaded.model, x.data(), 1, 0.5f, out.data(), nullptr).ok());
}

void ExpectRefused(const std::vector<uint8_t>& bytes, StatusCode code,
                   const std::string& fragment) {
  LoadedModel loaded;
  loaded.architecture = "untouched";
  const Status s = Load(bytes, &loaded);
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  EXPECT_LT(s.message().size(), 600u) << s.message().substr(0, 300);
  EXPECT_EQ(loaded.architecture, "untouched");  // *out unchanged on error
  ExpectLoaderStillWorks();
}

// [2048, 2048, 1024] multiplies to 2^32, 0 in a 32-bit size_t (a divide-by-zero trap at the first
// sample); [2048, 2048, 1025] wraps to 2^22 and used to pass the size guard and write out of
// bounds through im2col. Both are refused by the 64-bit product of the shape.
TEST(HostileModelFiles, ImageShapesWhoseProductOverflows32BitsAreRefused) {
  for (size_t ch : {1024, 1025}) {
    const NcsnUnetConfig c = UnetConfig(2048, 2048, ch, {4});
    ExpectRefused(UnetFile(c, UnetConfigJson(c)), StatusCode::kInvalidModel, "values per image");
  }
}

// A file under 64 KB describing 2048 × 2048 images asks for gigabytes of activations: refused at
// load with OUT_OF_MEMORY, before anything is allocated.
TEST(HostileModelFiles, ActivationsBeyondTheBudgetAreRefusedAtLoad) {
  const NcsnUnetConfig c = UnetConfig(2048, 2048, 1, {32});
  const std::vector<uint8_t> bytes = UnetFile(c, UnetConfigJson(c));
  EXPECT_LT(bytes.size(), 64u * 1024);
  EXPECT_GT(sizeof(float) * NcsnUnet::kTileRows * NcsnUnetScratchFloatsPerImage(c),
            kWorkingMemoryBudgetBytes);
  ExpectRefused(bytes, StatusCode::kOutOfMemory, "working memory");
}

// A model that fits one thread's budget but not that of many threads: the call fails with
// OUT_OF_MEMORY before allocating, and the same model then works on fewer threads.
TEST(HostileModelFiles, CallsBeyondTheBudgetFailBeforeAllocating) {
  // Per thread: a quarter of the budget and a bit; four threads exceed it.
  size_t side = 8;
  NcsnUnetConfig c = UnetConfig(side, side, 1, {8});
  const uint64_t quarter = kWorkingMemoryBudgetBytes / 4;
  while (sizeof(float) * NcsnUnet::kTileRows * NcsnUnetScratchFloatsPerImage(c) <= quarter) {
    side *= 2;
    c = UnetConfig(side, side, 1, {8});
  }
  const uint64_t per_thread =
      sizeof(float) * NcsnUnet::kTileRows * NcsnUnetScratchFloatsPerImage(c);
  ASSERT_LT(per_thread, kWorkingMemoryBudgetBytes) << "side " << side;
  LoadedModel loaded;
  ASSERT_TRUE(Load(UnetFile(c, UnetConfigJson(c)), &loaded).ok());
  EXPECT_EQ(loaded.model->scratch_bytes_per_thread(), per_thread);

  ThreadPool pool(4);
  const size_t n = 8, dim = loaded.model->dim();
  std::vector<float> x(n * dim, 0.0f), out(n * dim);
  const Status score = ScoreBatch(*loaded.model, x.data(), n, 0.5f, out.data(), &pool);
  EXPECT_EQ(score.code(), StatusCode::kOutOfMemory) << score.ToString();
  EXPECT_NE(score.message().find("4 thread(s)"), std::string::npos) << score.message();

  SamplerOptions options;
  options.sigmas = {1.0f, 0.1f};
  options.steps_per_level = 1;
  std::unique_ptr<SamplerRun> run;
  const Status sample = SamplerRun::Create(loaded.model.get(), n, options, &pool, 0, &run);
  EXPECT_EQ(sample.code(), StatusCode::kOutOfMemory) << sample.ToString();
  EXPECT_EQ(run, nullptr);
  // One thread fits (the run is created, not stepped: that would allocate the working memory).
  EXPECT_TRUE(SamplerRun::Create(loaded.model.get(), n, options, &pool, 1, &run).ok());
}

// Deeply nested JSON in the config once crashed natively (recursive dump() in an error message)
// and threw a RangeError through WASM; in "sampling" it made loadModel hang or fail INTERNAL.
TEST(HostileModelFiles, DeeplyNestedConfigJsonIsRefused) {
  const NcsnUnetConfig c = UnetConfig(4, 4, 1, {2});
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  ExpectRefused(UnetFile(c, UnetConfigJson(c, deep)), StatusCode::kInvalidModel, "nests deeper");
  const std::string junk = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  ExpectRefused(UnetFile(c, UnetConfigJson(c, junk)), StatusCode::kInvalidModel, "nests deeper");
  ExpectRefused(UnetFile(c, deep), StatusCode::kInvalidModel, "nests deeper");
  // Brackets inside strings do not count.
  LoadedModel loaded;
  const std::string quoted = "{\"sampler\":\"annealed-langevin\",\"steps_per_level\":3}";
  ASSERT_TRUE(Load(UnetFile(c, UnetConfigJson(c, quoted)), &loaded).ok());
}

TEST(HostileModelFiles, UnknownSamplingKeysAreRefused) {
  const NcsnUnetConfig c = UnetConfig(4, 4, 1, {2});
  ExpectRefused(UnetFile(c, UnetConfigJson(c, "{\"steps_per_levels\":3}")),
                StatusCode::kInvalidModel, "unknown key \"steps_per_levels\" in \"sampling\"");
  ExpectRefused(UnetFile(c, UnetConfigJson(c, "{\"sampler\":\"langevin\",\"x\":[[1]]}")),
                StatusCode::kInvalidModel, "unknown key \"x\"");
}

// Numbers that run as floats must be floats: a double beyond FLT_MAX converted to float is
// undefined behaviour (found by the model-file fuzzer), and 1e-50 would run as a step of 0.
TEST(HostileModelFiles, NumbersOutsideTheFloatRangeAreRefused) {
  const NcsnUnetConfig c = UnetConfig(4, 4, 1, {2});
  for (const char* step : {"1e39", "1e-50", "0"}) {
    ExpectRefused(UnetFile(c, UnetConfigJson(c, std::string("{\"step_size\":") + step + "}")),
                  StatusCode::kInvalidModel, "sampling.step_size");
  }
  std::string config = UnetConfigJson(c);
  config.replace(config.find("[1,0.1]"), 7, "[1e39,0.1]");
  ExpectRefused(UnetFile(c, config), StatusCode::kInvalidModel, "within the float range");
}

// Untrusted strings reach error messages shortened; rank and tensor count are bounded.
TEST(HostileModelFiles, LongStringsHighRanksAndManyTensorsAreRefusedBriefly) {
  SafetensorsFile file;
  file.metadata["format"] = std::string(5 << 20, 'f');
  file.tensors.push_back({"a", {1}, {0.0f}});
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  ExpectRefused(bytes, StatusCode::kInvalidModel, "not a score-wasm model");

  file.metadata["format"] = "score-wasm";
  file.metadata["architecture"] = std::string(1 << 20, 'a');
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  ExpectRefused(bytes, StatusCode::kInvalidModel, "unknown model architecture");

  file.metadata.erase("architecture");
  file.tensors = {{"deep", std::vector<int64_t>(9, 1), {0.0f}}};
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  ExpectRefused(bytes, StatusCode::kInvalidModel, "rank 9");

  file.tensors.clear();
  for (int i = 0; i < 16385; ++i) file.tensors.push_back({"t" + std::to_string(i), {0}, {}});
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  ExpectRefused(bytes, StatusCode::kInvalidModel, "more than 16384 tensors");
}

TEST(HostileModelFiles, SchedulesBeyondTheLevelLimitFailBeforeAllocating) {
  std::vector<float> sigmas;
  const Status s = GeometricSigmas(10.0f, 0.01f, 2147483647, &sigmas);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("levels must be an integer in [1, 1048576]"), std::string::npos)
      << s.message();
  EXPECT_TRUE(sigmas.empty());
}

}  // namespace
}  // namespace sw
