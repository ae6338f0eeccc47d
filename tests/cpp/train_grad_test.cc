// Backprop through the NCSN MLP and the DSM / FD-SSM objectives against central finite
// differences of an independent double-precision reference network, every weight and bias checked.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "models/ncsn_mlp.h"
#include "train/mlp_grad.h"
#include "train/objectives.h"

namespace sw {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// The network in double: s = (MLP([x, sin(2π f log σ), cos(2π f log σ)])) / σ.
struct RefNet {
  size_t dim = 0, freqs = 0;
  std::vector<double> f;
  std::vector<std::vector<double>> w, b;  // tensors as in NcsnMlpWeights
};

RefNet ToRef(const NcsnMlpWeights& weights) {
  RefNet net;
  net.dim = weights.config.dim;
  net.freqs = weights.config.sigma_embedding_freqs;
  net.f.assign(weights.freqs.begin(), weights.freqs.end());
  for (size_t i = 0; i < weights.weights.size(); ++i) {
    net.w.emplace_back(weights.weights[i].begin(), weights.weights[i].end());
    net.b.emplace_back(weights.biases[i].begin(), weights.biases[i].end());
  }
  return net;
}

void RefScore(const RefNet& net, const double* x, double sigma, double* s) {
  std::vector<double> h(x, x + net.dim);
  for (size_t j = 0; j < net.freqs; ++j) h.push_back(std::sin(kTwoPi * net.f[j] * std::log(sigma)));
  for (size_t j = 0; j < net.freqs; ++j) h.push_back(std::cos(kTwoPi * net.f[j] * std::log(sigma)));
  for (size_t l = 0; l < net.w.size(); ++l) {
    const size_t out = net.b[l].size(), in = h.size();
    std::vector<double> next(net.b[l]);
    for (size_t i = 0; i < in; ++i) {
      for (size_t o = 0; o < out; ++o) next[o] += h[i] * net.w[l][i * out + o];
    }
    if (l + 1 < net.w.size()) {
      for (double& v : next) v = v / (1.0 + std::exp(-v));
    }
    h = next;
  }
  for (size_t d = 0; d < net.dim; ++d) s[d] = h[d] / sigma;
}

// Every trainable tensor of the reference, in the order weights[0], biases[0], weights[1], ...
std::vector<std::vector<double>*> RefParams(RefNet* net) {
  std::vector<std::vector<double>*> list;
  for (size_t l = 0; l < net->w.size(); ++l) {
    list.push_back(&net->w[l]);
    list.push_back(&net->b[l]);
  }
  return list;
}

std::vector<const std::vector<float>*> GradList(const NcsnMlpGrads& g) {
  std::vector<const std::vector<float>*> list;
  for (size_t l = 0; l < g.weights.size(); ++l) {
    list.push_back(&g.weights[l]);
    list.push_back(&g.biases[l]);
  }
  return list;
}

// Checks the float analytic gradient against central differences of the double `loss`.
template <typename LossFn>
void ExpectGradMatchesFiniteDifferences(const NcsnMlpWeights& weights, const NcsnMlpGrads& grads,
                                        LossFn loss, double h, double rel_tol, double abs_tol) {
  RefNet net = ToRef(weights);
  const std::vector<std::vector<double>*> params = RefParams(&net);
  const std::vector<const std::vector<float>*> analytic = GradList(grads);
  ASSERT_EQ(params.size(), analytic.size());
  double max_grad = 0.0;
  size_t checked = 0;
  for (size_t t = 0; t < params.size(); ++t) {
    ASSERT_EQ(params[t]->size(), analytic[t]->size());
    for (size_t k = 0; k < params[t]->size(); ++k) {
      const double saved = (*params[t])[k];
      (*params[t])[k] = saved + h;
      const double up = loss(net);
      (*params[t])[k] = saved - h;
      const double down = loss(net);
      (*params[t])[k] = saved;
      const double fd = (up - down) / (2 * h);
      max_grad = std::max(max_grad, std::abs(fd));
      EXPECT_NEAR((*analytic[t])[k], fd, abs_tol + rel_tol * std::abs(fd))
          << "tensor " << t << " (layer " << t / 2 << (t % 2 ? " bias" : " weight") << ") index "
          << k;
      ++checked;
    }
  }
  EXPECT_GT(max_grad, 1e-2);  // the test is not vacuous
  EXPECT_GT(checked, 0u);
}

NcsnMlpWeights TestWeights(size_t dim, std::vector<size_t> hidden, size_t freqs, uint64_t seed) {
  NcsnMlpConfig config;
  config.dim = dim;
  config.hidden = std::move(hidden);
  config.sigma_embedding_freqs = freqs;
  config.sigmas = {2.5f, 1.0f, 0.3f, 0.05f};
  NcsnMlpWeights w;
  EXPECT_TRUE(InitNcsnMlpWeights(config, seed, &w).ok());
  // Non-zero biases so that every tensor matters.
  for (size_t l = 0; l < w.biases.size(); ++l) {
    FillNormal(seed, RandomStream::kInit, 100 + l, 1, w.biases[l].data(), w.biases[l].size());
    for (float& b : w.biases[l]) b *= 0.3f;
  }
  return w;
}

std::vector<float> Normal(uint64_t seed, size_t n) {
  std::vector<float> v(n);
  FillNormal(seed, RandomStream::kLangevinNoise, 7, 0, v.data(), n);
  return v;
}

constexpr size_t kRows = 4;
const float kRowSigma[kRows] = {2.5f, 1.0f, 0.3f, 0.05f};

TEST(MlpGradTest, ForwardMatchesDoubleReferenceAndScoreRows) {
  const NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 11);
  const RefNet net = ToRef(w);
  const std::vector<float> x = Normal(1, kRows * 3);
  std::vector<float> score(kRows * 3);
  NcsnMlpActivations act;
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  std::unique_ptr<NcsnMlp> model;
  ASSERT_TRUE(NcsnMlp::Create(w, &model).ok());
  for (size_t r = 0; r < kRows; ++r) {
    double xd[3], sd[3];
    for (size_t d = 0; d < 3; ++d) xd[d] = x[r * 3 + d];
    RefScore(net, xd, kRowSigma[r], sd);
    float inference[3];
    model->ScoreRows(x.data() + r * 3, 1, kRowSigma[r], inference);
    for (size_t d = 0; d < 3; ++d) {
      EXPECT_NEAR(score[r * 3 + d], sd[d], 1e-5 * (1 + std::abs(sd[d])));
      EXPECT_NEAR(score[r * 3 + d], inference[d], 1e-5 * (1 + std::abs(sd[d])));
    }
  }
}

// L = Σ g · s(x, σ) for a fixed random g: dL/dθ is the backward pass of dscore = g. Per-row σ
// from 0.05 to 2.5 exercises the 1/σ scaling and the σ embedding; two SiLU layers their
// derivative.
TEST(MlpGradTest, BackwardMatchesFiniteDifferences) {
  for (const std::vector<size_t>& hidden :
       {std::vector<size_t>{6, 5}, std::vector<size_t>{}, std::vector<size_t>{7}}) {
    SCOPED_TRACE(hidden.size());
    const NcsnMlpWeights w = TestWeights(3, hidden, 2, 5);
    const std::vector<float> x = Normal(2, kRows * 3);
    const std::vector<float> g = Normal(3, kRows * 3);
    std::vector<float> score(kRows * 3);
    NcsnMlpActivations act;
    NcsnMlpGrads grads;
    ZeroNcsnMlpGrads(w, &grads);
    NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
    NcsnMlpBackward(w, g.data(), &act, &grads);
    const auto loss = [&](const RefNet& net) {
      double total = 0.0;
      for (size_t r = 0; r < kRows; ++r) {
        std::vector<double> xd(x.begin() + r * 3, x.begin() + r * 3 + 3), sd(3);
        RefScore(net, xd.data(), kRowSigma[r], sd.data());
        for (size_t d = 0; d < 3; ++d) total += g[r * 3 + d] * sd[d];
      }
      return total;
    };
    ExpectGradMatchesFiniteDifferences(w, grads, loss, 1e-5, 1e-4, 1e-4);
  }
}

TEST(MlpGradTest, BackwardAccumulatesAndNoEmbedding) {
  // F = 0 (no embedding) and accumulation: two backward calls give twice the gradient.
  const NcsnMlpWeights w = TestWeights(2, {4}, 0, 9);
  const std::vector<float> x = Normal(4, kRows * 2), g = Normal(5, kRows * 2);
  std::vector<float> score(kRows * 2);
  NcsnMlpActivations act;
  NcsnMlpGrads once, twice;
  ZeroNcsnMlpGrads(w, &once);
  ZeroNcsnMlpGrads(w, &twice);
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, &once);
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, &twice);
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, &twice);
  for (size_t l = 0; l < w.weights.size(); ++l) {
    for (size_t k = 0; k < once.weights[l].size(); ++k) {
      EXPECT_FLOAT_EQ(twice.weights[l][k], 2 * once.weights[l][k]);
    }
  }
  const auto loss = [&](const RefNet& net) {
    double total = 0.0;
    for (size_t r = 0; r < kRows; ++r) {
      std::vector<double> xd = {x[r * 2], x[r * 2 + 1]}, sd(2);
      RefScore(net, xd.data(), kRowSigma[r], sd.data());
      total += g[r * 2] * sd[0] + g[r * 2 + 1] * sd[1];
    }
    return total;
  };
  ExpectGradMatchesFiniteDifferences(w, once, loss, 1e-5, 1e-4, 1e-4);
}

double RefDsm(const RefNet& net, const std::vector<float>& x, const std::vector<float>& z,
              size_t rows) {
  double total = 0.0;
  const size_t dim = net.dim;
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> xt(dim), s(dim);
    for (size_t d = 0; d < dim; ++d) {
      xt[d] =
          static_cast<double>(static_cast<float>(x[r * dim + d] + kRowSigma[r] * z[r * dim + d]));
    }
    RefScore(net, xt.data(), kRowSigma[r], s.data());
    for (size_t d = 0; d < dim; ++d) {
      const double e = kRowSigma[r] * s[d] + z[r * dim + d];
      total += 0.5 * e * e;
    }
  }
  return total;
}

TEST(ObjectiveTest, DsmLossAndGradientMatchReference) {
  const NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 21);
  const std::vector<float> x = Normal(6, kRows * 3), z = Normal(7, kRows * 3);
  NcsnMlpGrads grads;
  ZeroNcsnMlpGrads(w, &grads);
  ObjectiveWorkspace ws;
  const double loss = DsmLossAndGrad(w, x.data(), kRowSigma, z.data(), kRows, &grads, &ws);
  const double ref = RefDsm(ToRef(w), x, z, kRows);
  EXPECT_NEAR(loss, ref, 1e-5 * ref);
  EXPECT_GT(loss, 0.0);
  EXPECT_DOUBLE_EQ(DsmLossAndGrad(w, x.data(), kRowSigma, z.data(), kRows, nullptr, &ws), loss);
  ExpectGradMatchesFiniteDifferences(
      w, grads, [&](const RefNet& net) { return RefDsm(net, x, z, kRows); }, 1e-5, 2e-4, 2e-4);
}

// FD-SSM in double with the same formula (header of objectives.h).
double RefFdSsm(const RefNet& net, const std::vector<float>& x, const std::vector<float>& z,
                const std::vector<float>& v, size_t rows, double fd_eps) {
  double total = 0.0;
  const size_t dim = net.dim;
  for (size_t r = 0; r < rows; ++r) {
    const double sigma = kRowSigma[r], eps = static_cast<float>(fd_eps) * kRowSigma[r];
    std::vector<double> xp(dim), xm(dim), sp(dim), sm(dim);
    for (size_t d = 0; d < dim; ++d) {
      const double noisy = x[r * dim + d] + sigma * z[r * dim + d];
      xp[d] = noisy + eps * v[r * dim + d];
      xm[d] = noisy - eps * v[r * dim + d];
    }
    RefScore(net, xp.data(), sigma, sp.data());
    RefScore(net, xm.data(), sigma, sm.data());
    double ap = 0, am = 0;
    for (size_t d = 0; d < dim; ++d) {
      ap += v[r * dim + d] * sp[d];
      am += v[r * dim + d] * sm[d];
    }
    const double mean = 0.5 * (ap + am);
    total += sigma * sigma * ((ap - am) / (2 * eps) + 0.5 * mean * mean);
  }
  return total;
}

TEST(ObjectiveTest, FdSsmGradientMatchesFiniteDifferences) {
  const NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 31);
  const std::vector<float> x = Normal(8, kRows * 3), z = Normal(9, kRows * 3),
                           v = Normal(10, kRows * 3);
  const float fd_eps = 0.1f;
  NcsnMlpGrads grads;
  ZeroNcsnMlpGrads(w, &grads);
  ObjectiveWorkspace ws;
  const double loss =
      FdSsmLossAndGrad(w, x.data(), kRowSigma, z.data(), v.data(), kRows, fd_eps, &grads, &ws);
  const double ref = RefFdSsm(ToRef(w), x, z, v, kRows, fd_eps);
  EXPECT_NEAR(loss, ref, 1e-3 * (1 + std::abs(ref)));
  ExpectGradMatchesFiniteDifferences(
      w, grads, [&](const RefNet& net) { return RefFdSsm(net, x, z, v, kRows, fd_eps); }, 1e-5,
      2e-3, 2e-3);
}

// For a score linear in x (no hidden layer), FD-SSM is exact for every v:
// ℓ = σ² (vᵀ J v + ½ (vᵀ s)²) with J = ∂s/∂x = W[:dim, :]/σ; over v ~ N(0, I) its mean is the
// exact SSM objective σ² (tr J + ½ ||s||²).
TEST(ObjectiveTest, FdSsmMatchesExactSsmForLinearScore) {
  const size_t dim = 3;
  const NcsnMlpWeights w = TestWeights(dim, {}, 2, 41);
  const std::vector<float> x0 = Normal(11, dim);
  const float sigma = 0.7f;
  std::vector<double> s(dim);
  double xd[dim];
  for (size_t d = 0; d < dim; ++d) xd[d] = x0[d];
  RefScore(ToRef(w), xd, sigma, s.data());
  const size_t out = dim;  // layer 0 is in_0 × dim
  double trace = 0.0, norm2 = 0.0;
  for (size_t d = 0; d < dim; ++d) trace += w.weights[0][d * out + d] / sigma;
  for (double v : s) norm2 += v * v;
  const double exact = sigma * sigma * (trace + 0.5 * norm2);

  const size_t n = 20000;
  std::vector<float> x(n * dim), z(n * dim, 0.0f), sig(n, sigma);
  for (size_t r = 0; r < n; ++r) std::copy(x0.begin(), x0.end(), x.begin() + r * dim);
  std::vector<float> v(n * dim);
  FillNormal(5, RandomStream::kTrainDirection, 0, 0, v.data(), v.size());
  ObjectiveWorkspace ws;
  double sum = 0.0, sum2 = 0.0;
  for (size_t r = 0; r < n; ++r) {
    const double l = FdSsmLossAndGrad(w, x.data() + r * dim, &sig[r], z.data() + r * dim,
                                      v.data() + r * dim, 1, 0.01f, nullptr, &ws);
    // Per-v exactness.
    const float* vr = v.data() + r * dim;
    double vjv = 0.0, vs = 0.0;
    for (size_t i = 0; i < dim; ++i) {
      vs += vr[i] * s[i];
      for (size_t j = 0; j < dim; ++j) vjv += vr[i] * (w.weights[0][i * out + j] / sigma) * vr[j];
    }
    const double per_v = sigma * sigma * (vjv + 0.5 * vs * vs);
    ASSERT_NEAR(l, per_v, 1e-3 * (1 + std::abs(per_v))) << r;
    sum += l;
    sum2 += l * l;
  }
  const double mean = sum / n;
  const double se = std::sqrt((sum2 / n - mean * mean) / n);
  EXPECT_NEAR(mean, exact, 5 * se) << "standard error " << se;
  EXPECT_LT(se, 0.05 * (1 + std::abs(exact)));
}

// For a nonlinear network FD-SSM approaches vᵀ∇s v + ½(vᵀs)² (the exact sliced objective, its
// Jacobian-vector product from a fine double-precision difference) as O(ε²).
TEST(ObjectiveTest, FdSsmApproachesExactSlicedObjective) {
  const size_t dim = 2;
  const NcsnMlpWeights w = TestWeights(dim, {8, 8}, 2, 51);
  const RefNet net = ToRef(w);
  const std::vector<float> x = Normal(12, dim), v = Normal(13, dim);
  const std::vector<float> z(dim, 0.0f);
  const float sigma = 0.5f;
  double xd[dim], sp[dim], sm[dim], s[dim];
  const double h = 1e-6;
  for (size_t d = 0; d < dim; ++d) xd[d] = x[d] + h * v[d];
  RefScore(net, xd, sigma, sp);
  for (size_t d = 0; d < dim; ++d) xd[d] = x[d] - h * v[d];
  RefScore(net, xd, sigma, sm);
  for (size_t d = 0; d < dim; ++d) xd[d] = x[d];
  RefScore(net, xd, sigma, s);
  double vjv = 0.0, vs = 0.0;
  for (size_t d = 0; d < dim; ++d) {
    vjv += v[d] * (sp[d] - sm[d]) / (2 * h);
    vs += v[d] * s[d];
  }
  const double exact = sigma * sigma * (vjv + 0.5 * vs * vs);
  ObjectiveWorkspace ws;
  const double coarse =
      FdSsmLossAndGrad(w, x.data(), &sigma, z.data(), v.data(), 1, 0.1f, nullptr, &ws);
  const double fine =
      FdSsmLossAndGrad(w, x.data(), &sigma, z.data(), v.data(), 1, 0.01f, nullptr, &ws);
  EXPECT_NEAR(fine, exact, 2e-3 * (1 + std::abs(exact)));
  EXPECT_LT(std::abs(fine - exact), std::abs(coarse - exact) + 1e-4);
}

}  // namespace
}  // namespace sw
