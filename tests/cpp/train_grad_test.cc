// Backprop through the NCSN MLP and the DSM / FD-SSM objectives (through the MLP's trainable
// network and tape) against central finite differences of an independent double-precision
// reference network, every weight and bias checked; and the MLP as a TrainableNetwork.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "models/architectures.h"
#include "models/ncsn_mlp.h"
#include "models/trainable_network.h"
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

// Zero gradients in the order of the trainable MLP's Parameters(): layer 0's weight, its bias,
// layer 1's weight, ...
std::vector<std::vector<float>> ZeroGrads(const NcsnMlpWeights& w) {
  std::vector<std::vector<float>> grads;
  for (size_t l = 0; l < w.weights.size(); ++l) {
    grads.emplace_back(w.weights[l].size(), 0.0f);
    grads.emplace_back(w.biases[l].size(), 0.0f);
  }
  return grads;
}

TensorList ListOf(std::vector<std::vector<float>>* tensors) {
  TensorList list;
  for (std::vector<float>& t : *tensors) list.push_back(&t);
  return list;
}

// The MLP as the trainer sees it and a tape of it (the tape reads the network, so both are kept).
struct Trainable {
  explicit Trainable(const NcsnMlpWeights& w) {
    EXPECT_TRUE(MakeTrainableNcsnMlp(w, &net).ok());
    tape = net->NewTape();
  }
  std::unique_ptr<TrainableNetwork> net;
  std::unique_ptr<TrainTape> tape;
};

// Checks the float analytic gradient against central differences of the double `loss`.
template <typename LossFn>
void ExpectGradMatchesFiniteDifferences(const NcsnMlpWeights& weights,
                                        const std::vector<std::vector<float>>& grads, LossFn loss,
                                        double h, double rel_tol, double abs_tol) {
  RefNet net = ToRef(weights);
  const std::vector<std::vector<double>*> params = RefParams(&net);
  std::vector<const std::vector<float>*> analytic;
  for (const std::vector<float>& g : grads) analytic.push_back(&g);
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
    ScoreRowsAt(*model, x.data() + r * 3, 1, kRowSigma[r], inference);
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
    std::vector<std::vector<float>> grads = ZeroGrads(w);
    NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
    NcsnMlpBackward(w, g.data(), &act, ListOf(&grads));
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
  std::vector<std::vector<float>> once = ZeroGrads(w), twice = ZeroGrads(w);
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, ListOf(&once));
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, ListOf(&twice));
  NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, score.data());
  NcsnMlpBackward(w, g.data(), &act, ListOf(&twice));
  for (size_t t = 0; t < once.size(); ++t) {
    for (size_t k = 0; k < once[t].size(); ++k) EXPECT_FLOAT_EQ(twice[t][k], 2 * once[t][k]);
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
              size_t rows, const float* weight = nullptr) {
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
      total += 0.5 * (weight != nullptr ? weight[r] : 1.0) * e * e;
    }
  }
  return total;
}

TEST(ObjectiveTest, DsmLossAndGradientMatchReference) {
  const NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 21);
  const std::vector<float> x = Normal(6, kRows * 3), z = Normal(7, kRows * 3);
  std::vector<std::vector<float>> grads = ZeroGrads(w);
  Trainable t(w);
  ObjectiveWorkspace ws;
  const double loss = DsmLossAndGrad(t.tape.get(), 3, x.data(), kRowSigma, z.data(), nullptr, kRows,
                                     ListOf(&grads), &ws);
  const double ref = RefDsm(ToRef(w), x, z, kRows);
  EXPECT_NEAR(loss, ref, 1e-5 * ref);
  EXPECT_GT(loss, 0.0);
  EXPECT_DOUBLE_EQ(
      DsmLossAndGrad(t.tape.get(), 3, x.data(), kRowSigma, z.data(), nullptr, kRows, {}, &ws),
      loss);
  ExpectGradMatchesFiniteDifferences(
      w, grads, [&](const RefNet& net) { return RefDsm(net, x, z, kRows); }, 1e-5, 2e-4, 2e-4);

  // With a weight per row (EDM's): the loss and its gradient follow each row's weight.
  std::vector<float> weight(kRows);
  for (size_t r = 0; r < kRows; ++r) weight[r] = 0.5f + 1.5f * static_cast<float>(r);
  std::vector<std::vector<float>> weighted = ZeroGrads(w);
  const double wloss = DsmLossAndGrad(t.tape.get(), 3, x.data(), kRowSigma, z.data(), weight.data(),
                                      kRows, ListOf(&weighted), &ws);
  const double wref = RefDsm(ToRef(w), x, z, kRows, weight.data());
  EXPECT_NEAR(wloss, wref, 1e-5 * wref);
  ExpectGradMatchesFiniteDifferences(
      w, weighted, [&](const RefNet& net) { return RefDsm(net, x, z, kRows, weight.data()); }, 1e-5,
      2e-4, 2e-4);
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
  std::vector<std::vector<float>> grads = ZeroGrads(w);
  Trainable t(w);
  ObjectiveWorkspace ws;
  const double loss = FdSsmLossAndGrad(t.tape.get(), 3, x.data(), kRowSigma, z.data(), v.data(),
                                       kRows, fd_eps, ListOf(&grads), &ws);
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
  Trainable t(w);
  ObjectiveWorkspace ws;
  double sum = 0.0, sum2 = 0.0;
  for (size_t r = 0; r < n; ++r) {
    const double l = FdSsmLossAndGrad(t.tape.get(), dim, x.data() + r * dim, &sig[r],
                                      z.data() + r * dim, v.data() + r * dim, 1, 0.01f, {}, &ws);
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
  Trainable t(w);
  ObjectiveWorkspace ws;
  const double coarse =
      FdSsmLossAndGrad(t.tape.get(), dim, x.data(), &sigma, z.data(), v.data(), 1, 0.1f, {}, &ws);
  const double fine =
      FdSsmLossAndGrad(t.tape.get(), dim, x.data(), &sigma, z.data(), v.data(), 1, 0.01f, {}, &ws);
  EXPECT_NEAR(fine, exact, 2e-3 * (1 + std::abs(exact)));
  EXPECT_LT(std::abs(fine - exact), std::abs(coarse - exact) + 1e-4);
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Parameters() are the layers' tensors, named and shaped as in the model file, without the fixed
// σ-embedding frequencies.
TEST(TrainableNcsnMlpTest, ParametersAreTheModelFileLayers) {
  const NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 61);
  Trainable t(w);
  EXPECT_EQ(t.net->dim(), 3u);
  EXPECT_EQ(t.net->sigmas(), w.config.sigmas);
  EXPECT_EQ(t.net->TrainChunkRows(), 32u);
  const std::vector<std::string> names = t.net->ParameterNames();
  EXPECT_EQ(names, (std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                             "layers.1.bias", "layers.2.weight", "layers.2.bias"}));
  const TensorList params = t.net->Parameters();
  ASSERT_EQ(params.size(), names.size());
  SafetensorsFile file;
  ASSERT_TRUE(t.net->ToSafetensors(&file).ok());
  EXPECT_EQ(file.tensors.size(), names.size() + 1);
  EXPECT_NE(file.Find("sigma_embed.freqs"), nullptr);
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_TRUE(SameBits(*params[i], i % 2 ? w.biases[i / 2] : w.weights[i / 2])) << names[i];
    const Tensor* tensor = file.Find(names[i]);
    ASSERT_NE(tensor, nullptr) << names[i];
    EXPECT_TRUE(SameBits(tensor->data, *params[i])) << names[i];
  }

  NcsnMlpWeights broken = w;
  broken.weights[1].pop_back();
  std::unique_ptr<TrainableNetwork> refused;
  EXPECT_EQ(MakeTrainableNcsnMlp(broken, &refused).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.get(), nullptr);
}

// A tape gives NcsnMlpForwardTrain's and NcsnMlpBackward's bits for its network's current weights
// (it follows updates of Parameters()); a clone keeps its own copy.
TEST(TrainableNcsnMlpTest, TapeFollowsItsNetworkAndClonesAreIndependent) {
  NcsnMlpWeights w = TestWeights(3, {6, 5}, 2, 71);
  Trainable t(w);
  const std::unique_ptr<TrainableNetwork> clone = t.net->Clone();
  const std::unique_ptr<TrainTape> clone_tape = clone->NewTape();
  const std::vector<float> x = Normal(14, kRows * 3), g = Normal(15, kRows * 3);
  for (int update = 0; update < 2; ++update) {
    SCOPED_TRACE(update);
    std::vector<float> want(kRows * 3), got(kRows * 3);
    NcsnMlpActivations act;
    std::vector<std::vector<float>> want_grads = ZeroGrads(w), got_grads = ZeroGrads(w);
    NcsnMlpForwardTrain(w, x.data(), kRowSigma, kRows, &act, want.data());
    NcsnMlpBackward(w, g.data(), &act, ListOf(&want_grads));
    t.tape->Forward(x.data(), kRowSigma, kRows, got.data());
    t.tape->Backward(g.data(), ListOf(&got_grads));
    EXPECT_TRUE(SameBits(got, want));
    for (size_t i = 0; i < want_grads.size(); ++i) {
      EXPECT_TRUE(SameBits(got_grads[i], want_grads[i])) << i;
    }
    // Change every parameter, in the network and in the reference copy.
    const TensorList params = t.net->Parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      for (float& v : *params[i]) v += 0.125f;
    }
    for (size_t l = 0; l < w.weights.size(); ++l) {
      for (float& v : w.weights[l]) v += 0.125f;
      for (float& v : w.biases[l]) v += 0.125f;
    }
  }
  // The clone still has the original weights.
  const NcsnMlpWeights original = TestWeights(3, {6, 5}, 2, 71);
  std::vector<float> want(kRows * 3), got(kRows * 3);
  NcsnMlpActivations act;
  NcsnMlpForwardTrain(original, x.data(), kRowSigma, kRows, &act, want.data());
  clone_tape->Forward(x.data(), kRowSigma, kRows, got.data());
  EXPECT_TRUE(SameBits(got, want));
}

}  // namespace
}  // namespace sw
