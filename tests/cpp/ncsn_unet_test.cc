// The U-Net and its layers: image layers against direct double-precision loops, every layer's
// backward pass and the whole network's gradient (every tensor) against central finite
// differences, batch independence, and model-file round trips and hostile files.
#include "models/ncsn_unet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/philox.h"
#include "layers/image_ops.h"
#include "models/model_file.h"
#include "samplers/sampling_rules.h"
#include "train/image_ops_grad.h"
#include "train/unet_grad.h"

namespace sw {
namespace {

std::vector<float> Normal(size_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  FillNormal(seed, RandomStream::kInit, 99, 0, v.data(), n);
  for (float& x : v) x *= scale;
  return v;
}

TEST(ImageOps, Conv3x3MatchesDirectConvolution) {
  const ImageDims d{2, 5, 4, 3};
  const size_t cout = 5;
  const std::vector<float> x = Normal(d.size(), 1), w = Normal(9 * d.c * cout, 2),
                           b = Normal(cout, 3);
  std::vector<float> cols(d.pixels() * 9 * d.c), y(d.pixels() * cout);
  Conv3x3(x.data(), d, w.data(), b.data(), cout, cols.data(), y.data());
  for (size_t n = 0; n < d.n; ++n) {
    for (size_t i = 0; i < d.h; ++i) {
      for (size_t j = 0; j < d.w; ++j) {
        for (size_t o = 0; o < cout; ++o) {
          double acc = b[o];
          for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
              const int yi = int(i) + dy, xj = int(j) + dx;
              if (yi < 0 || yi >= int(d.h) || xj < 0 || xj >= int(d.w)) continue;
              for (size_t k = 0; k < d.c; ++k) {
                acc += double(x[((n * d.h + yi) * d.w + xj) * d.c + k]) *
                       w[(((dy + 1) * 3 + (dx + 1)) * d.c + k) * cout + o];
              }
            }
          }
          EXPECT_NEAR(y[((n * d.h + i) * d.w + j) * cout + o], acc, 1e-5);
        }
      }
    }
  }
}

TEST(ImageOps, GroupNormNormalisesEachImageAndGroup) {
  const ImageDims d{3, 4, 4, 6};
  const size_t groups = 3;
  std::vector<float> x = Normal(d.size(), 4, 3.0f);
  for (size_t i = 0; i < d.size(); ++i) x[i] += float(i % 7);  // offsets per channel
  const std::vector<float> gamma = Normal(d.c, 5), beta = Normal(d.c, 6);
  std::vector<float> y(d.size()), mean(d.n * groups), rstd(d.n * groups);
  GroupNorm(x.data(), d, groups, gamma.data(), beta.data(), y.data(), mean.data(), rstd.data());
  const size_t gc = d.c / groups, hw = d.h * d.w;
  for (size_t n = 0; n < d.n; ++n) {
    for (size_t g = 0; g < groups; ++g) {
      double m = 0, v = 0;
      for (size_t p = 0; p < hw; ++p)
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) m += x[(n * hw + p) * d.c + k];
      m /= double(hw * gc);
      for (size_t p = 0; p < hw; ++p)
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const double dv = x[(n * hw + p) * d.c + k] - m;
          v += dv * dv;
        }
      v /= double(hw * gc);
      for (size_t p = 0; p < hw; ++p)
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const size_t i = (n * hw + p) * d.c + k;
          const double want = (x[i] - m) / std::sqrt(v + kGroupNormEps) * gamma[k] + beta[k];
          EXPECT_NEAR(y[i], want, 1e-5 * (1 + std::fabs(want)));
        }
    }
  }
}

TEST(ImageOps, PoolAndUpsample) {
  const ImageDims d{1, 2, 4, 1};
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> y(2);
  AvgPool2(x.data(), d, y.data());
  EXPECT_EQ(y, (std::vector<float>{3.5f, 5.5f}));
  std::vector<float> up(8);
  Upsample2(y.data(), ImageDims{1, 1, 2, 1}, up.data());
  EXPECT_EQ(up, (std::vector<float>{3.5f, 3.5f, 5.5f, 5.5f, 3.5f, 3.5f, 5.5f, 5.5f}));
}

// Checks the analytic gradient of L = Σ r ⊙ f(θ) with respect to the tensor `param` against
// central differences, at up to `samples` positions. f writes its output; `analytic` is the
// backward result. The tolerance is relative to the largest gradient entry (float forward).
void ExpectGradient(std::vector<float>* param, const std::vector<float>& analytic,
                    const std::function<double()>& loss, size_t samples, const char* what,
                    double tol = 2e-2) {
  double scale = 1e-3;
  for (float g : analytic) scale = std::max(scale, double(std::fabs(g)));
  const size_t step = std::max<size_t>(1, param->size() / samples);
  for (size_t i = 0; i < param->size(); i += step) {
    const float keep = (*param)[i];
    const float h = 1e-2f * std::max(1.0f, std::fabs(keep));
    (*param)[i] = keep + h;
    const double up = loss();
    (*param)[i] = keep - h;
    const double down = loss();
    (*param)[i] = keep;
    const double fd = (up - down) / (2.0 * double(h));
    EXPECT_NEAR(analytic[i], fd, tol * scale) << what << " entry " << i;
  }
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(ImageOpsGrad, Conv3x3AndDenseMatchFiniteDifferences) {
  const ImageDims d{2, 4, 3, 2};
  const size_t cout = 3;
  std::vector<float> x = Normal(d.size(), 7), w = Normal(9 * d.c * cout, 8), b = Normal(cout, 9);
  const std::vector<float> r = Normal(d.pixels() * cout, 10);
  std::vector<float> cols(d.pixels() * 9 * d.c), y(d.pixels() * cout);
  const auto loss = [&] {
    Conv3x3(x.data(), d, w.data(), b.data(), cout, cols.data(), y.data());
    return Dot(r, y);
  };
  std::vector<float> dw(w.size(), 0.0f), db(cout, 0.0f), dx(x.size());
  GradScratch s;
  Conv3x3Backward(x.data(), d, w.data(), cout, r.data(), dw.data(), db.data(), dx.data(), &s);
  ExpectGradient(&w, dw, loss, 1000, "conv weight");
  ExpectGradient(&b, db, loss, 1000, "conv bias");
  ExpectGradient(&x, dx, loss, 1000, "conv input");
}

TEST(ImageOpsGrad, GroupNormSiluPoolUpsampleAndBiasMatchFiniteDifferences) {
  const ImageDims d{2, 4, 4, 4};
  const size_t groups = 2;
  std::vector<float> x = Normal(d.size(), 11, 2.0f), gamma = Normal(d.c, 12),
                     beta = Normal(d.c, 13), v = Normal(d.n * d.c, 14);
  const ImageDims low{2, 2, 2, 4};
  const std::vector<float> r = Normal(low.size(), 15);
  std::vector<float> n1(d.size()), a(d.size()), mean(d.n * groups), rstd(d.n * groups),
      pooled(low.size()), up(d.size()), biased(d.size()), out(low.size());
  // pool(upsample(pool(SiLU(GN(x)))) + v): exercises every layer's adjoint.
  const auto forward = [&] {
    GroupNorm(x.data(), d, groups, gamma.data(), beta.data(), n1.data(), mean.data(), rstd.data());
    for (size_t i = 0; i < d.size(); ++i) a[i] = n1[i] / (1.0f + std::exp(-n1[i]));
    AvgPool2(a.data(), d, pooled.data());
    Upsample2(pooled.data(), low, up.data());
    AddChannelBias(up.data(), d, v.data(), biased.data());
    AvgPool2(biased.data(), d, out.data());
    return Dot(r, out);
  };
  forward();
  std::vector<float> dbiased(d.size()), dv(v.size()), dpooled(low.size()), da(d.size()),
      dx(d.size()), dgamma(d.c, 0.0f), dbeta(d.c, 0.0f);
  AvgPool2Backward(r.data(), d, dbiased.data());
  ChannelBiasBackward(dbiased.data(), d, dv.data());
  Upsample2Backward(dbiased.data(), low, dpooled.data());
  AvgPool2Backward(dpooled.data(), d, da.data());
  SiluBackward(n1.data(), da.data(), da.data(), d.size());
  GroupNormBackward(x.data(), d, groups, gamma.data(), mean.data(), rstd.data(), da.data(),
                    dgamma.data(), dbeta.data(), dx.data());
  ExpectGradient(&x, dx, forward, 1000, "input");
  ExpectGradient(&gamma, dgamma, forward, 1000, "gamma");
  ExpectGradient(&beta, dbeta, forward, 1000, "beta");
  ExpectGradient(&v, dv, forward, 1000, "channel bias");
}

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

TEST(NcsnUnet, GradientOfEveryTensorMatchesFiniteDifferences) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(TinyConfig(), 3, &w).ok());
  // Perturb the GroupNorm scales and shifts and the biases away from 1 / 0.
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    const std::vector<float> noise = Normal(w.tensors[i].size(), 100 + i, 0.3f);
    for (size_t k = 0; k < noise.size(); ++k) w.tensors[i][k] += noise[k];
  }
  const NcsnUnetLayout layout = MakeNcsnUnetLayout(w.config);
  const size_t rows = 2, dim = w.config.dim();
  const std::vector<float> x = Normal(rows * dim, 20);
  const std::vector<float> sigma = {0.7f, 1.6f};
  const std::vector<float> r = Normal(rows * dim, 21);
  NcsnUnetActivations act;
  std::vector<float> score(rows * dim);
  const auto loss = [&] {
    NcsnUnetForward(w, layout, x.data(), sigma.data(), rows, &act, score.data());
    return Dot(r, score);
  };
  loss();
  std::vector<std::vector<float>> grads;
  TensorList list;
  for (const auto& t : w.tensors) grads.emplace_back(t.size(), 0.0f);
  for (auto& g : grads) list.push_back(&g);
  NcsnUnetGradScratch scratch;
  NcsnUnetBackward(w, layout, r.data(), act, list, &scratch);
  const std::vector<TensorSpec> specs = NcsnUnetTensorSpecs(w.config);
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    ExpectGradient(&w.tensors[i], grads[i], loss, 12, specs[i].name.c_str(), 3e-2);
  }
}

TEST(NcsnUnet, ScoresDoNotDependOnTheBatch) {
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(TinyConfig(), 4, &w).ok());
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  const size_t n = 7, dim = net->dim();
  const std::vector<float> x = Normal(n * dim, 30);
  std::vector<float> all(n * dim), one(dim);
  net->ScoreRows(x.data(), n, 0.3f, all.data());
  for (size_t i = 0; i < n; ++i) {
    net->ScoreRows(x.data() + i * dim, 1, 0.3f, one.data());
    for (size_t k = 0; k < dim; ++k) ASSERT_EQ(one[k], all[i * dim + k]) << i;
  }
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
  direct->ScoreRows(x.data(), 3, 0.5f, a.data());
  loaded.model->ScoreRows(x.data(), 3, 0.5f, b.data());
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
}

}  // namespace
}  // namespace sw
