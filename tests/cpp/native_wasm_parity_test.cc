// Native and WebAssembly builds of the same core must agree: scores within 1e-5 relative (also of
// the shipped image models), samples statistically indistinguishable. The native test run writes
// its results to a file under the build tree; the WASM run of the same test (tests/run-all.sh runs
// it after the native one) reads and compares them. Without the native file the WASM test is
// skipped, saying why.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "io/safetensors.h"
#include "models/gaussian_mixture.h"
#include "models/model_file.h"
#include "models/ncsn_mlp.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"

namespace sw {
namespace {

const char kParityFile[] = SCORE_PARITY_DIR "/native_results.bin";

struct Results {
  std::vector<float> mixture_scores, mlp_scores, samples;
  std::vector<float> unet_scores, unet_samples;  // the shipped image models, one after the other
};

// The shipped U-Nets: scores of fixed images at three noise levels, and a few seeded samples.
constexpr const char* kImageModels[] = {"mnist", "fashion-mnist"};
constexpr size_t kImageSamples = 24;

void ComputeImageModels(Results* r) {
  for (const char* name : kImageModels) {
    LoadedModel loaded;
    const Status load =
        LoadScoreModelFile(std::string(SCORE_MODELS_DIR) + "/" + name + ".safetensors", &loaded);
    ASSERT_TRUE(load.ok()) << load.ToString();
    const size_t n = 6, dim = loaded.model->dim();
    std::vector<float> x(n * dim), s(n * dim);
    FillUniform(2, RandomStream::kInit, 0, 0.0f, 1.0f, x.data(), x.size());
    for (float sigma : {0.01f, 0.3f, 5.0f}) {
      ScoreRowsAt(*loaded.model, x.data(), n, sigma, s.data());
      r->unet_scores.insert(r->unet_scores.end(), s.begin(), s.end());
    }
    SamplerOptions o;
    ASSERT_TRUE(RecommendedSamplerOptions(loaded, &o).ok());
    o.seed = 13;
    ThreadPool pool(2);
    std::vector<float> samples;
    ASSERT_TRUE(Sample(*loaded.model, kImageSamples, o, &pool, 0, &samples).ok());
    r->unet_samples.insert(r->unet_samples.end(), samples.begin(), samples.end());
  }
}

// Each sample's mean pixel value: the per-image brightness the two builds' samples are compared by.
std::vector<double> MeanPixels(const std::vector<float>& samples, size_t images) {
  const size_t dim = samples.size() / images;
  std::vector<double> means(images, 0.0);
  for (size_t i = 0; i < images; ++i) {
    for (size_t k = 0; k < dim; ++k) means[i] += samples[i * dim + k];
    means[i] /= double(dim);
  }
  return means;
}

// Everything both builds compute: fixed inputs, a mixture, a seeded random MLP, one sampling run.
Results Compute() {
  Results r;
  const size_t n = 500;
  std::vector<float> x(n * 2);
  FillNormal(1, RandomStream::kInit, 0, 0, x.data(), x.size());
  for (float& v : x) v *= 6;

  std::unique_ptr<GaussianMixture> gmm;
  EXPECT_TRUE(GaussianMixture::Create({0.2f, 0.8f}, {-5, -5, 5, 5}, {1, 1}, 2, &gmm).ok());
  for (float sigma : {0.0f, 0.5f, 3.0f}) {
    std::vector<float> s(x.size());
    ScoreRowsAt(*gmm, x.data(), n, sigma, s.data());
    r.mixture_scores.insert(r.mixture_scores.end(), s.begin(), s.end());
  }

  NcsnMlpConfig config;
  config.dim = 2;
  config.hidden = {64, 64};
  config.sigma_embedding_freqs = 8;
  config.sigmas = {3.0f, 0.1f};
  NcsnMlpWeights w;
  std::unique_ptr<NcsnMlp> mlp;
  EXPECT_TRUE(InitNcsnMlpWeights(config, 3, &w).ok());
  EXPECT_TRUE(NcsnMlp::Create(w, &mlp).ok());
  for (float sigma : {0.1f, 1.0f, 3.0f}) {
    std::vector<float> s(x.size());
    ScoreRowsAt(*mlp, x.data(), n, sigma, s.data());
    r.mlp_scores.insert(r.mlp_scores.end(), s.begin(), s.end());
  }

  SamplerOptions o;
  EXPECT_TRUE(GeometricSigmas(20, 1, 10, &o.sigmas).ok());
  o.steps_per_level = 100;
  o.step_size = 0.1f;
  o.seed = 11;
  ThreadPool pool(2);
  EXPECT_TRUE(Sample(*gmm, 4000, o, &pool, 0, &r.samples).ok());
  ComputeImageModels(&r);
  return r;
}

bool WriteResults(const Results& r) {
  SafetensorsFile f;
  f.tensors = {{"mixture_scores", {int64_t(r.mixture_scores.size())}, r.mixture_scores},
               {"mlp_scores", {int64_t(r.mlp_scores.size())}, r.mlp_scores},
               {"samples", {int64_t(r.samples.size())}, r.samples},
               {"unet_scores", {int64_t(r.unet_scores.size())}, r.unet_scores},
               {"unet_samples", {int64_t(r.unet_samples.size())}, r.unet_samples}};
  std::vector<uint8_t> bytes;
  return WriteSafetensors(f, false, &bytes).ok() && WriteFileBytes(kParityFile, bytes).ok();
}

// max |a - b| / max |b|: the error relative to the scores' scale. (Element-wise relative error is
// meaningless where a network output is near zero after cancellation: float rounding differs
// between builds, FMA natively and separate multiply and add in WASM.)
double MaxRelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(double{a[i]} - b[i]));
    scale = std::max(scale, std::fabs(double{b[i]}));
  }
  return worst / scale;
}

TEST(NativeWasmParity, ScoresAgreeAndSamplesAreStatisticallyIndistinguishable) {
  const Results here = Compute();
#ifndef __EMSCRIPTEN__
  ASSERT_TRUE(WriteResults(here)) << "cannot write " << kParityFile;
#else
  std::vector<uint8_t> bytes;
  SafetensorsFile native;
  if (!ReadFileBytes(kParityFile, &bytes).ok()) {
    GTEST_SKIP() << "no native results at " << kParityFile << " (run the native tests first)";
  }
  ASSERT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &native).ok());
  ASSERT_NE(native.Find("samples"), nullptr);
  std::printf("max relative difference native vs WASM: mixture %.2g, MLP %.2g\n",
              MaxRelativeDifference(here.mixture_scores, native.Find("mixture_scores")->data),
              MaxRelativeDifference(here.mlp_scores, native.Find("mlp_scores")->data));
  EXPECT_LT(MaxRelativeDifference(here.mixture_scores, native.Find("mixture_scores")->data), 1e-5);
  EXPECT_LT(MaxRelativeDifference(here.mlp_scores, native.Find("mlp_scores")->data), 1e-5);
  ASSERT_NE(native.Find("unet_scores"), nullptr);
  const double unet = MaxRelativeDifference(here.unet_scores, native.Find("unet_scores")->data);
  std::printf("max relative difference native vs WASM: shipped U-Nets %.2g\n", unet);
  EXPECT_LT(unet, 1e-5);
  // Image samples of the same quality: per model, the mean brightness of the samples agrees
  // within 5 standard errors of the difference of two 24-sample means.
  const std::vector<float>& native_images = native.Find("unet_samples")->data;
  ASSERT_EQ(native_images.size(), here.unet_samples.size());
  const size_t images = kImageSamples * (sizeof(kImageModels) / sizeof(kImageModels[0]));
  const std::vector<double> a = MeanPixels(here.unet_samples, images),
                            b = MeanPixels(native_images, images);
  for (size_t m = 0; m * kImageSamples < images; ++m) {
    double mean_a = 0, mean_b = 0, var = 0;
    for (size_t i = m * kImageSamples; i < (m + 1) * kImageSamples; ++i) {
      mean_a += a[i] / kImageSamples;
      mean_b += b[i] / kImageSamples;
    }
    for (size_t i = m * kImageSamples; i < (m + 1) * kImageSamples; ++i) {
      var += ((a[i] - mean_a) * (a[i] - mean_a) + (b[i] - mean_b) * (b[i] - mean_b)) /
             (2 * kImageSamples - 2);
    }
    EXPECT_NEAR(mean_a, mean_b, 5 * std::sqrt(2 * var / kImageSamples)) << kImageModels[m];
  }
  // Samples: the same distribution (exact draws differ with libm and FMA). Compare the small
  // mode's share and each coordinate's mean: two independent estimates, 5 standard errors.
  const std::vector<float>& other = native.Find("samples")->data;
  ASSERT_EQ(other.size(), here.samples.size());
  const double n = here.samples.size() / 2.0;
  double share[2] = {0, 0}, mean[2] = {0, 0};
  for (size_t i = 0; i < here.samples.size(); i += 2) {
    share[0] += here.samples[i] + here.samples[i + 1] < 0;
    share[1] += other[i] + other[i + 1] < 0;
    mean[0] += here.samples[i];
    mean[1] += other[i];
  }
  EXPECT_NEAR(share[0] / n, share[1] / n, 5 * std::sqrt(2 * 0.2 * 0.8 / n));
  // Per-coordinate variance of the mixture at sigma_L = 1: 0.16 * 100 + 2 = 18.
  EXPECT_NEAR(mean[0] / n, mean[1] / n, 5 * std::sqrt(2 * 18 / n));
#endif
}

}  // namespace
}  // namespace sw
