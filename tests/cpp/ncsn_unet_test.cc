// The U-Net: the whole network's gradient (every tensor) against central finite differences, batch
// independence, and model-file round trips and hostile files. Its layers are tested on their own in
// layers_test.cc.
#include "models/ncsn_unet.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "gradient_check.h"
#include "models/architectures.h"
#include "models/model_file.h"
#include "samplers/sampling_rules.h"

namespace sw {
namespace {

using testing::Dot;
using testing::ExpectGradient;
using testing::Normal;

NcsnUnetConfig TinyConfig() {
  NcsnUnetConfig c;
  c.height = 8, c.width = 4, c.image_channels = 1;
  c.channels = {4, 6, 8};  // 8×4 → 4×2 → 2×1
  c.groups = 2;
  c.sigma_embedding_freqs = 3;
  c.embedding_dim = 5;
  c.sigmas = {2.0f, 0.5f, 0.1f};
  return c;
}

// d (r · score) / d θ of every tensor against central differences, with NCSNv2's 1/σ or EDM's
// preconditioning around the network.
void ExpectGradientsMatchFiniteDifferences(const NcsnUnetConfig& config) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 3, &w).ok());
  // Perturb the GroupNorm scales and shifts and the biases away from 1 / 0.
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    const std::vector<float> noise = Normal(w.tensors[i].size(), 100 + i, 0.3f);
    for (size_t k = 0; k < noise.size(); ++k) w.tensors[i][k] += noise[k];
  }
  const NcsnUnetView net = ViewNcsnUnet(w);
  const size_t rows = 2, dim = w.config.dim();
  const std::vector<float> x = Normal(rows * dim, 20);
  const std::vector<float> sigma = {0.7f, 1.6f};
  const std::vector<float> r = Normal(rows * dim, 21);
  NcsnUnetActivations act;
  std::vector<float> score(rows * dim);
  const auto loss = [&] {
    NcsnUnetForward(w.config, net, x.data(), sigma.data(), rows, &act, score.data());
    return Dot(r, score);
  };
  loss();
  std::vector<std::vector<float>> grads;
  TensorList list;
  for (const auto& t : w.tensors) grads.emplace_back(t.size(), 0.0f);
  for (auto& g : grads) list.push_back(&g);
  NcsnUnetGradScratch scratch;
  NcsnUnetBackward(w.config, net, r.data(), act, ViewNcsnUnetGrads(w.config, list), &scratch);
  const TensorTable table = NcsnUnetTensorTable(w.config);  // the frequencies first, then w.tensors
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    ExpectGradient(&w.tensors[i], grads[i], loss, 12, table[i + 1].name.c_str(), 3e-2);
  }
}

TEST(NcsnUnet, GradientOfEveryTensorMatchesFiniteDifferences) {
  ExpectGradientsMatchFiniteDifferences(TinyConfig());
}

TEST(NcsnUnet, GradientWithPreconditioningMatchesFiniteDifferences) {
  NcsnUnetConfig c = TinyConfig();
  c.sigma_data = 0.4f;
  ExpectGradientsMatchFiniteDifferences(c);
}

TEST(NcsnUnet, ScoresDoNotDependOnTheBatch) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(TinyConfig(), 4, &w).ok());
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  const size_t n = 7, dim = net->dim();
  const std::vector<float> x = Normal(n * dim, 30);
  std::vector<float> all(n * dim), one(dim);
  ScoreRowsAt(*net, x.data(), n, 0.3f, all.data());
  for (size_t i = 0; i < n; ++i) {
    ScoreRowsAt(*net, x.data() + i * dim, 1, 0.3f, one.data());
    for (size_t k = 0; k < dim; ++k) ASSERT_EQ(one[k], all[i * dim + k]) << i;
  }
}

// Rows at different σ in one call (as the adaptive ODE solver makes them) equal each row alone.
TEST(NcsnUnet, EachRowAtItsOwnSigma) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(TinyConfig(), 4, &w).ok());
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  const size_t n = 5, dim = net->dim();
  const std::vector<float> x = Normal(n * dim, 31);
  const std::vector<float> sigmas = {0.3f, 2.0f, 2.0f, 0.05f, 7.5f};
  std::vector<float> all(n * dim), one(dim);
  net->ScoreRows(x.data(), n, sigmas.data(), all.data());
  for (size_t i = 0; i < n; ++i) {
    ScoreRowsAt(*net, x.data() + i * dim, 1, sigmas[i], one.data());
    for (size_t k = 0; k < dim; ++k) ASSERT_EQ(one[k], all[i * dim + k]) << i;
  }
}

// One image split over threads (pixels, channel groups and rows of every layer) gives the bits of
// the serial forward, on 2 and 3 threads, for one image and for a few.
TEST(NcsnUnet, LayersSplitOverThreadsGiveTheSameBits) {
  NcsnUnetConfig config = TinyConfig();
  config.height = 16, config.width = 12;  // 192 pixels: several parts per layer
  config.channels = {8, 16};
  config.groups = 4;
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 5, &w).ok());
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  const size_t dim = net->dim();
  ThreadPool two(2), three(3);
  for (size_t n : {1, 3, 6}) {
    const std::vector<float> x = Normal(n * dim, 40 + n);
    std::vector<float> sigmas(n);
    for (size_t i = 0; i < n; ++i) sigmas[i] = 0.2f + 0.3f * i;
    std::vector<float> serial(n * dim), split(n * dim);
    net->ScoreRows(x.data(), n, sigmas.data(), serial.data());
    for (ThreadPool* pool : {&two, &three}) {
      std::fill(split.begin(), split.end(), NAN);
      net->ScoreRowsOn(Parallel{pool, 0}, x.data(), n, sigmas.data(), split.data());
      for (size_t k = 0; k < serial.size(); ++k) {
        ASSERT_EQ(split[k], serial[k]) << n << " images on " << pool->num_threads() << " threads";
      }
    }
  }
}

// The model's convolutions packed once at creation give the bits of packing at every call (the
// view of the bare weights, as training evaluates); and after a switch of the SIMD target (tests
// do that) the model evaluates with that target's layout, not the one it packed with.
TEST(NcsnUnet, PackedConvolutionsGiveTheBitsOfPackingAtEveryCall) {
  NcsnUnetConfig config = TinyConfig();
  config.channels = {8, 24};  // 24: a partial panel on every target
  config.groups = 4;
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 9, &w).ok());
  const size_t n = 2, dim = config.dim();
  const std::vector<float> x = Normal(n * dim, 50), sigmas = {0.4f, 3.0f};
  const auto bare = [&](std::vector<float>* out) {
    NcsnUnetActivations act;
    out->assign(n * dim, NAN);
    NcsnUnetForward(config, ViewNcsnUnet(w), x.data(), sigmas.data(), n, &act, out->data());
  };
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  std::vector<float> packed(n * dim), unpacked;
  net->ScoreRows(x.data(), n, sigmas.data(), packed.data());
  bare(&unpacked);
  for (size_t k = 0; k < packed.size(); ++k) ASSERT_EQ(packed[k], unpacked[k]) << k;
#if !defined(__EMSCRIPTEN__)
  for (const int64_t target : {int64_t{HWY_AVX2}, int64_t{HWY_SSE4}}) {
    if ((hwy::SupportedTargets() & target) == 0) continue;
    hwy::SetSupportedTargetsForTest(target);
    net->ScoreRows(x.data(), n, sigmas.data(), packed.data());
    bare(&unpacked);
    hwy::SetSupportedTargetsForTest(0);
    for (size_t k = 0; k < packed.size(); ++k) {
      ASSERT_EQ(packed[k], unpacked[k]) << hwy::TargetName(target) << " " << k;
    }
  }
#endif
}

TEST(NcsnUnet, ModelFileRoundTripAndLoader) {
  NcsnUnetWeights w;
  NcsnUnetConfig config = TinyConfig();
  config.has_sampling = true;
  config.sampling.steps_per_level = 7;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 5, &w).ok());
  SafetensorsFile file;
  ASSERT_TRUE(NcsnUnetWeightsToSafetensors(w, &file).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  LoadedModel loaded;
  ASSERT_TRUE(LoadScoreModel(bytes.data(), bytes.size(), &loaded).ok());
  EXPECT_EQ(loaded.architecture, "ncsn-unet");
  EXPECT_EQ(loaded.model->dim(), 32u);
  SamplerOptions options;
  ASSERT_TRUE(RecommendedSamplerOptions(loaded, &options).ok());
  EXPECT_EQ(options.steps_per_level, 7);
  EXPECT_EQ(options.sigmas, config.sigmas);
  // Same scores as the weights it was written from.
  std::unique_ptr<NcsnUnet> direct;
  ASSERT_TRUE(NcsnUnet::Create(w, &direct).ok());
  const std::vector<float> x = Normal(3 * 32, 31);
  std::vector<float> a(x.size()), b(x.size());
  ScoreRowsAt(*direct, x.data(), 3, 0.5f, a.data());
  ScoreRowsAt(*loaded.model, x.data(), 3, 0.5f, b.data());
  EXPECT_EQ(a, b);
}

TEST(NcsnUnet, HostileFilesAreRefused) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(TinyConfig(), 6, &w).ok());
  SafetensorsFile good;
  ASSERT_TRUE(NcsnUnetWeightsToSafetensors(w, &good).ok());
  const auto load = [](const SafetensorsFile& f) {
    std::vector<uint8_t> bytes;
    EXPECT_TRUE(WriteSafetensors(f, false, &bytes).ok());
    LoadedModel loaded;
    return LoadScoreModel(bytes.data(), bytes.size(), &loaded);
  };
  ASSERT_TRUE(load(good).ok());
  const auto expect_refused = [&](SafetensorsFile f, const char* fragment) {
    const Status s = load(f);
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << fragment;
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  };
  SafetensorsFile f = good;
  f.tensors.pop_back();
  expect_refused(f, "missing");
  f = good;
  f.tensors[3].shape = {1, int64_t(f.tensors[3].data.size())};
  expect_refused(f, "shape");
  f = good;
  f.tensors.push_back({"extra", {1}, {0.0f}});
  expect_refused(f, "unexpected tensor");
  const std::string config = good.metadata["config"];
  f = good;
  f.metadata["config"] =
      "{\"data_shape\": [8, 4, 1], \"channels\": [4, 6, 7], \"groups\": 2, "
      "\"sigma_embedding_freqs\": 3, \"embedding_dim\": 5, \"sigmas\": [1]}";
  expect_refused(f, "multiple of groups");
  f.metadata["config"] =
      "{\"data_shape\": [7, 4, 1], \"channels\": [4, 6, 8], \"groups\": 2, "
      "\"sigma_embedding_freqs\": 3, \"embedding_dim\": 5, \"sigmas\": [1]}";
  expect_refused(f, "halved");
  f.metadata["config"] = config.substr(0, config.size() - 1) + ", \"chanels\": [1]}";
  expect_refused(f, "unknown key");
  // EDM's σ_d: a number in [0.001, 1000]; beyond float's range, zero, negative or text is refused.
  for (const char* bad : {"\"0.3\"", "0", "-0.5", "1e300", "1e-30", "null", "[0.3]"}) {
    f.metadata["config"] = config.substr(0, config.size() - 1) + ", \"sigma_data\": " + bad + "}";
    expect_refused(f, "sigma_data");
  }
  f.metadata["config"] = config.substr(0, config.size() - 1) + ", \"sigma_data\": 0.3}";
  EXPECT_TRUE(load(f).ok());
}

}  // namespace
}  // namespace sw
