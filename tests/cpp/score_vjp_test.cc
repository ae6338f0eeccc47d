// Every model's vector–Jacobian product of the score, vᵀ ∂s/∂x, against central finite
// differences of its ScoreRows in double: the mixture (analytic), the NCSN MLP and the U-Net
// (their backward passes to the input). A VJP that dropped a term or a skip path would fail.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "models/gaussian_mixture.h"
#include "models/ncsn_mlp.h"
#include "models/ncsn_unet.h"

namespace sw {
namespace {

std::vector<float> Normal(size_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  FillNormal(seed, RandomStream::kInit, 77, 0, v.data(), n);
  for (float& x : v) x *= scale;
  return v;
}

// vᵀ J e_j = d(v · s(x + h e_j)) / dh for each coordinate j of each row, by central differences
// (float evaluations, so the step is a compromise between rounding and curvature). Row r runs at
// σ (1 + r / 4): every row at its own level, as an adaptive solver's chains are.
void ExpectVjpMatchesFiniteDifferences(const ScoreModel& model, size_t rows, float sigma,
                                       float step, double tol, uint64_t seed) {
  const size_t dim = model.dim();
  std::vector<float> x = Normal(rows * dim, seed), v = Normal(rows * dim, seed + 1);
  std::vector<float> vjp(rows * dim), up(rows * dim), down(rows * dim), sigmas(rows);
  for (size_t r = 0; r < rows; ++r) sigmas[r] = sigma * (1 + 0.25f * r);
  model.ScoreVjpRows(x.data(), rows, sigmas.data(), v.data(), vjp.data());
  double scale = 1e-3;
  for (float g : vjp) scale = std::max(scale, double(std::fabs(g)));
  const size_t stride = std::max<size_t>(1, dim / 40);  // at most ~40 coordinates per row
  for (size_t j = 0; j < dim; j += stride) {
    std::vector<float> xp = x, xm = x;
    for (size_t r = 0; r < rows; ++r) xp[r * dim + j] += step, xm[r * dim + j] -= step;
    model.ScoreRows(xp.data(), rows, sigmas.data(), up.data());
    model.ScoreRows(xm.data(), rows, sigmas.data(), down.data());
    for (size_t r = 0; r < rows; ++r) {
      double fd = 0;
      for (size_t k = 0; k < dim; ++k) {
        fd += double(v[r * dim + k]) * (double(up[r * dim + k]) - down[r * dim + k]);
      }
      fd /= 2.0 * step;
      EXPECT_NEAR(vjp[r * dim + j], fd, tol * scale) << "row " << r << ", coordinate " << j;
    }
  }
}

TEST(ScoreVjp, GaussianMixtureMatchesFiniteDifferences) {
  std::unique_ptr<GaussianMixture> gmm;
  ASSERT_TRUE(GaussianMixture::Create({0.3f, 0.5f, 0.2f}, {-1, 0, 1, 1, 1, -1, 0.5f, 0, 0.2f},
                                      {0.7f, 1.0f, 0.4f}, 3, &gmm)
                  .ok());
  for (float sigma : {0.0f, 0.3f, 2.0f}) {
    SCOPED_TRACE(sigma);
    ExpectVjpMatchesFiniteDifferences(*gmm, 5, sigma, 1e-2f, 1e-3, 3);
  }
}

TEST(ScoreVjp, NcsnMlpMatchesFiniteDifferences) {
  NcsnMlpConfig c;
  c.dim = 3;
  c.hidden = {16, 12};
  c.sigma_embedding_freqs = 4;
  c.sigmas = {2.0f, 0.5f, 0.1f};
  NcsnMlpWeights w;
  ASSERT_TRUE(InitNcsnMlpWeights(c, 5, &w).ok());
  std::unique_ptr<NcsnMlp> net;
  ASSERT_TRUE(NcsnMlp::Create(w, &net).ok());
  for (float sigma : {0.1f, 1.0f}) {
    SCOPED_TRACE(sigma);
    ExpectVjpMatchesFiniteDifferences(*net, 70, sigma, 1e-2f, 2e-2, 7);  // 70 > one tile
  }
}

void ExpectUnetVjpMatchesFiniteDifferences(float sigma_data) {
  NcsnUnetConfig c;
  c.sigma_data = sigma_data;
  c.height = 8, c.width = 4, c.image_channels = 1;
  c.channels = {4, 6};
  c.groups = 2;
  c.sigma_embedding_freqs = 3;
  c.embedding_dim = 5;
  c.sigmas = {2.0f, 0.5f, 0.1f};
  NcsnUnetWeights w;
  ASSERT_TRUE(InitNcsnUnetWeights(c, 4, &w).ok());
  // Away from the initial GroupNorm scales of 1 and zero biases.
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    const std::vector<float> noise = Normal(w.tensors[i].size(), 100 + i, 0.3f);
    for (size_t k = 0; k < noise.size(); ++k) w.tensors[i][k] += noise[k];
  }
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(w, &net).ok());
  ExpectVjpMatchesFiniteDifferences(*net, 5, 0.7f, 1e-2f, 3e-2, 9);  // 5 > one tile of 4
}

TEST(ScoreVjp, NcsnUnetMatchesFiniteDifferences) { ExpectUnetVjpMatchesFiniteDifferences(0.0f); }

// EDM's preconditioning adds −x/(σ² + σ_d²) and scales the input: both in the input's gradient.
TEST(ScoreVjp, PreconditionedNcsnUnetMatchesFiniteDifferences) {
  ExpectUnetVjpMatchesFiniteDifferences(0.4f);
}

}  // namespace
}  // namespace sw
