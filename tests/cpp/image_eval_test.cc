// The image-model evaluation pieces: the Fréchet distance against closed forms, the measuring
// classifier (gradient against finite differences, accuracy on separable data, independence of the
// thread count, its file), class statistics of probabilities, and the image grid layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "eval/classifier.h"
#include "eval/frechet.h"
#include "eval/image_grid.h"
#include "eval/image_metrics.h"
#include "io/safetensors.h"

namespace sw {
namespace {

std::vector<float> Normals(size_t n, size_t dim, uint64_t seed) {
  std::vector<float> x(n * dim);
  for (size_t i = 0; i < n; ++i) {
    FillNormal(seed, RandomStream::kInit, i, 0, x.data() + i * dim, dim);
  }
  return x;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// ---------------------------------------------------------------------------------------------
// Fréchet distance

// Sylvester's Hadamard matrix of order n (a power of 2): entries ±1, orthogonal columns, and every
// column but the first sums to 0.
int Hadamard(size_t i, size_t j) {
  int sign = 1;
  for (size_t bits = i & j; bits != 0; bits &= bits - 1) sign = -sign;
  return sign;
}

// n points whose empirical mean is exactly mu and whose covariance (over n − 1) is exactly
// diag(s_k² n / (n − 1)): point i, coordinate k is mu_k + s_k H[i][k + 1]. Exact in float for the
// values used (small dyadic numbers).
std::vector<float> HadamardSet(size_t n, const std::vector<float>& mu,
                               const std::vector<float>& s) {
  const size_t dim = mu.size();
  std::vector<float> x(n * dim);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < dim; ++k) x[i * dim + k] = mu[k] + s[k] * Hadamard(i, k + 1);
  }
  return x;
}

TEST(Frechet, IdenticalSetsGiveZero) {
  const size_t n = 400, dim = 16;
  std::vector<float> a = Normals(n, dim, 3);
  for (size_t i = 0; i < n * dim; ++i) a[i] = a[i] * (1.0f + (i % dim)) + 0.1f * (i % 7);
  double fd = -1;
  ASSERT_TRUE(FrechetDistance(a.data(), n, a.data(), n, dim, &fd).ok());
  GaussianMoments m;
  ASSERT_TRUE(FitGaussian(a.data(), n, dim, &m).ok());
  double trace = 0;
  for (size_t k = 0; k < dim; ++k) trace += m.cov[k * dim + k];
  EXPECT_GE(fd, 0.0);
  EXPECT_LT(fd, 1e-10 * trace);
}

TEST(Frechet, ConstructedSetsWithDiagonalCovariancesMatchTheClosedForm) {
  // Exact empirical moments, so FD = |Δμ|² + Σ (√a_k − √b_k)² up to double rounding alone.
  const std::vector<float> mu_a = {0.5f, -1.0f, 2.0f, 0.0f}, s_a = {1.0f, 0.5f, 2.0f, 0.25f};
  const std::vector<float> mu_b = {0.0f, 1.0f, 2.0f, 0.75f}, s_b = {2.0f, 0.5f, 1.0f, 3.0f};
  const size_t na = 8, nb = 16;
  const std::vector<float> a = HadamardSet(na, mu_a, s_a), b = HadamardSet(nb, mu_b, s_b);
  double expected = 0;
  for (size_t k = 0; k < 4; ++k) {
    const double va = double(s_a[k]) * s_a[k] * na / (na - 1);
    const double vb = double(s_b[k]) * s_b[k] * nb / (nb - 1);
    expected += std::pow(double(mu_a[k]) - mu_b[k], 2) + std::pow(std::sqrt(va) - std::sqrt(vb), 2);
  }
  GaussianMoments ma;
  ASSERT_TRUE(FitGaussian(a.data(), na, 4, &ma).ok());
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(ma.mean[k], mu_a[k]);
    for (size_t l = 0; l < 4; ++l) {
      EXPECT_NEAR(ma.cov[k * 4 + l], k == l ? double(s_a[k]) * s_a[k] * 8 / 7 : 0.0, 1e-14);
    }
  }
  double fd = -1;
  ASSERT_TRUE(FrechetDistance(a.data(), na, b.data(), nb, 4, &fd).ok());
  EXPECT_NEAR(fd, expected, 1e-12 * expected);
  // A shared rotation of both sets leaves FD unchanged (the covariances then share eigenvectors
  // but are not diagonal); the rotated coordinates are rounded to float.
  const double c = std::cos(0.7), s = std::sin(0.7), c2 = std::cos(-1.3), s2 = std::sin(-1.3);
  auto rotate = [&](std::vector<float> x) {
    for (size_t i = 0; i < x.size() / 4; ++i) {
      float* p = x.data() + 4 * i;
      const double x0 = c * p[0] - s * p[1], x1 = s * p[0] + c * p[1];
      const double x2 = c2 * x1 - s2 * p[2], x3 = s2 * x1 + c2 * p[2];
      p[0] = float(x0), p[1] = float(x2), p[2] = float(x3);
    }
    return x;
  };
  const std::vector<float> ra = rotate(a), rb = rotate(b);
  ASSERT_TRUE(FrechetDistance(ra.data(), na, rb.data(), nb, 4, &fd).ok());
  EXPECT_NEAR(fd, expected, 1e-5 * expected);
}

TEST(Frechet, NonCommutingCovariancesIn2dMatchTheClosedForm) {
  // For 2 × 2 covariances, M = C1^{1/2} C2 C1^{1/2} has tr M = tr(C1 C2) and det M = det C1 det C2,
  // and the trace of the square root of a PSD 2 × 2 matrix is sqrt(tr M + 2 sqrt(det M)).
  GaussianMoments p, q;
  p.dim = q.dim = 2;
  p.mean = {1.0, -2.0};
  q.mean = {0.5, 0.25};
  p.cov = {2.0, 0.6, 0.6, 1.0};
  q.cov = {0.5, -0.3, -0.3, 3.0};
  const double tr_c1c2 = 2.0 * 0.5 + 0.6 * -0.3 + 0.6 * -0.3 + 1.0 * 3.0;
  const double det = (2.0 * 1.0 - 0.36) * (0.5 * 3.0 - 0.09);
  const double expected =
      0.25 + 2.25 * 2.25 + 3.0 + 3.5 - 2 * std::sqrt(tr_c1c2 + 2 * std::sqrt(det));
  double pq = -1, qp = -1;
  ASSERT_TRUE(FrechetDistance(p, q, &pq).ok());
  ASSERT_TRUE(FrechetDistance(q, p, &qp).ok());
  EXPECT_NEAR(pq, expected, 1e-12);
  EXPECT_NEAR(qp, expected, 1e-12);
  // A singular covariance (a point mass in one direction) is fine: its square root is too.
  p.cov = {1.0, 1.0, 1.0, 1.0};
  const double det0 = 0.0;
  const double tr0 = 0.5 - 0.3 - 0.3 + 3.0;
  ASSERT_TRUE(FrechetDistance(p, q, &pq).ok());
  EXPECT_NEAR(pq, 0.25 + 2.25 * 2.25 + 2.0 + 3.5 - 2 * std::sqrt(tr0 + 2 * std::sqrt(det0)), 1e-7);
}

TEST(Frechet, SampledGaussiansMatchTheClosedFormWithinTheSamplingError) {
  // N(μa, diag a) vs N(μb, diag b), n points each. Per coordinate the estimate is about
  // (m_a − m_b)² + (s_a − s_b)², with sd ≈ 2 |Δμ| sqrt((a + b) / n) from the means and
  // 2 |√a − √b| sqrt((a + b) / (2n)) from the standard deviations, and a bias of order (a + b) / n
  // (the squared sampling noise, also in the off-diagonal covariance terms).
  const size_t n = 20000, dim = 4;
  const double mu_a[] = {0, 1, -1, 0.5}, mu_b[] = {0.3, 1, 0, 0.5};
  const double var_a[] = {1, 4, 0.25, 1}, var_b[] = {2, 1, 0.25, 1};
  std::vector<float> a = Normals(n, dim, 11), b = Normals(n, dim, 12);
  double expected = 0, variance = 0, bias = 0;
  for (size_t k = 0; k < dim; ++k) {
    for (size_t i = 0; i < n; ++i) {
      a[i * dim + k] = float(mu_a[k] + std::sqrt(var_a[k]) * a[i * dim + k]);
      b[i * dim + k] = float(mu_b[k] + std::sqrt(var_b[k]) * b[i * dim + k]);
    }
    const double dmu = mu_a[k] - mu_b[k], dsd = std::sqrt(var_a[k]) - std::sqrt(var_b[k]);
    const double sum = var_a[k] + var_b[k];
    expected += dmu * dmu + dsd * dsd;
    variance += 4 * dmu * dmu * sum / n + 4 * dsd * dsd * sum / (2.0 * n);
    bias += dim * sum / n;
  }
  double fd = -1;
  ASSERT_TRUE(FrechetDistance(a.data(), n, b.data(), n, dim, &fd).ok());
  EXPECT_NEAR(fd, expected, 5 * std::sqrt(variance) + bias);
}

TEST(Frechet, IsSymmetric) {
  std::vector<float> a = Normals(300, 6, 1), b = Normals(500, 6, 2);
  for (size_t i = 0; i < b.size(); ++i) {
    b[i] = 2 * b[i] + 0.1f * (i % 6) + (i % 5 == 0 ? b[i / 2] : 0);  // correlated coordinates
  }
  double ab = -1, ba = -1;
  ASSERT_TRUE(FrechetDistance(a.data(), 300, b.data(), 500, 6, &ab).ok());
  ASSERT_TRUE(FrechetDistance(b.data(), 500, a.data(), 300, 6, &ba).ok());
  EXPECT_GT(ab, 1.0);
  EXPECT_NEAR(ab, ba, 1e-10 * ab);
}

TEST(Frechet, Errors) {
  const float x[] = {0, 1, 2, 3, 4, 5};
  double fd = 0;
  EXPECT_EQ(FrechetDistance(x, 1, x, 3, 2, &fd).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FrechetDistance(x, 3, x, 1, 2, &fd).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FrechetDistance(x, 3, x, 3, 0, &fd).code(), StatusCode::kInvalidArgument);
  const float bad[] = {0, 1, NAN, 3};
  EXPECT_EQ(FrechetDistance(x, 3, bad, 2, 2, &fd).code(), StatusCode::kInvalidArgument);
  const float inf[] = {0, 1, INFINITY, 3};
  EXPECT_EQ(FrechetDistance(inf, 2, x, 3, 2, &fd).code(), StatusCode::kInvalidArgument);
  GaussianMoments p, q;
  ASSERT_TRUE(FitGaussian(x, 3, 2, &p).ok());
  ASSERT_TRUE(FitGaussian(x, 2, 3, &q).ok());
  EXPECT_EQ(FrechetDistance(p, q, &fd).code(), StatusCode::kInvalidArgument);  // dim 2 vs 3
  q = p;
  q.cov.pop_back();
  EXPECT_EQ(FrechetDistance(p, q, &fd).code(), StatusCode::kInvalidArgument);
  q = p;
  q.mean[0] = NAN;
  EXPECT_EQ(FrechetDistance(p, q, &fd).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fd, 0.0);  // untouched on error
}

// ---------------------------------------------------------------------------------------------
// Classifier

// The loss in double, written out independently: mean over rows of −log softmax(MLP(x))[label].
double ReferenceLoss(const std::vector<std::vector<double>>& w,
                     const std::vector<std::vector<double>>& b, size_t dim,
                     const std::vector<float>& x, const std::vector<uint8_t>& y) {
  const size_t rows = y.size();
  double total = 0;
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> h(x.begin() + r * dim, x.begin() + (r + 1) * dim);
    for (size_t l = 0; l < w.size(); ++l) {
      const size_t out = b[l].size(), in = h.size();
      std::vector<double> next(b[l]);
      for (size_t i = 0; i < in; ++i) {
        for (size_t o = 0; o < out; ++o) next[o] += h[i] * w[l][i * out + o];
      }
      if (l + 1 < w.size()) {
        for (double& v : next) v = v / (1.0 + std::exp(-v));
      }
      h = next;
    }
    double sum = 0;
    for (double v : h) sum += std::exp(v);
    total += std::log(sum) - h[y[r]];
  }
  return total / rows;
}

TEST(Classifier, GradientMatchesFiniteDifferences) {
  const size_t dim = 5, rows = 7;
  ClassifierWeights weights;
  ASSERT_TRUE(InitClassifierWeights(dim, {6, 4}, 3, &weights).ok());
  for (size_t l = 0; l < weights.b.size(); ++l) {
    FillNormal(4, RandomStream::kInit, l, 0, weights.b[l].data(), weights.b[l].size());
  }
  const std::vector<float> x = Normals(rows, dim, 5);
  const std::vector<uint8_t> y = {0, 3, 9, 3, 7, 1, 5};
  ClassifierWeights grads;
  ZeroClassifierGrads(weights, &grads);
  ClassifierTape tape;
  const double loss = ClassifierLossAndGrad(weights, x.data(), y.data(), rows, 1.0f / rows,
                                            ClassifierTensors(&grads), &tape);
  std::vector<std::vector<double>> w, b;
  for (size_t l = 0; l < weights.w.size(); ++l) {
    w.emplace_back(weights.w[l].begin(), weights.w[l].end());
    b.emplace_back(weights.b[l].begin(), weights.b[l].end());
  }
  EXPECT_NEAR(loss / rows, ReferenceLoss(w, b, dim, x, y), 1e-5);
  const double h = 1e-4;
  size_t checked = 0;
  for (int is_bias = 0; is_bias < 2; ++is_bias) {
    std::vector<std::vector<double>>& params = is_bias ? b : w;
    for (size_t l = 0; l < params.size(); ++l) {
      for (size_t k = 0; k < params[l].size(); ++k) {
        const double saved = params[l][k];
        params[l][k] = saved + h;
        const double up = ReferenceLoss(w, b, dim, x, y);
        params[l][k] = saved - h;
        const double down = ReferenceLoss(w, b, dim, x, y);
        params[l][k] = saved;
        const double numeric = (up - down) / (2 * h);
        const double analytic = is_bias ? grads.b[l][k] : grads.w[l][k];
        EXPECT_NEAR(analytic, numeric, 1e-4 + 1e-3 * std::fabs(numeric))
            << (is_bias ? "bias " : "weight ") << l << " " << k;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, size_t{5 * 6 + 6 + 6 * 4 + 4 + 4 * 10 + 10});
  // The gradient is added (grads accumulate over chunks), scaled by grad_scale.
  ClassifierWeights twice = grads;
  ClassifierLossAndGrad(weights, x.data(), y.data(), rows, 1.0f / rows, ClassifierTensors(&twice),
                        &tape);
  EXPECT_NEAR(twice.w[0][3], 2 * grads.w[0][3], 1e-6);
}

// Ten Gaussian blobs in dim dimensions: class k centred at a random point (each coordinate
// N(0, 0.3²)), unit noise. Centres are about 0.3 sqrt(2 dim) = 12 apart in 784-D, so the classes
// are linearly separable with a wide margin, yet no single pixel tells them apart.
void Blobs(size_t n, size_t dim, uint64_t seed, std::vector<float>* x, std::vector<uint8_t>* y) {
  std::vector<float> centres(kImageClasses * dim);
  for (size_t k = 0; k < kImageClasses; ++k) {
    FillNormal(99, RandomStream::kInit, 1000 + k, 0, centres.data() + k * dim, dim);
  }
  x->resize(n * dim);
  y->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i * 7 + seed) % kImageClasses;
    (*y)[i] = static_cast<uint8_t>(k);
    FillNormal(seed, RandomStream::kInit, i, 1, x->data() + i * dim, dim);
    for (size_t d = 0; d < dim; ++d) (*x)[i * dim + d] += 0.3f * centres[k * dim + d];
  }
}

TEST(Classifier, LearnsSeparableBlobsIdenticallyOnOneAndTwoThreads) {
  const size_t dim = 784, n = 1000;
  std::vector<float> x, test_x;
  std::vector<uint8_t> y, test_y;
  Blobs(n, dim, 1, &x, &y);
  Blobs(500, dim, 2, &test_x, &test_y);
  ClassifierOptions options;
  options.epochs = 2;
  options.batch = 100;  // ends in a partial chunk (100 = 3 × 32 + 4)
  options.seed = 7;
  std::vector<double> losses;
  std::unique_ptr<ImageClassifier> one, two;
  options.threads = 1;
  ASSERT_TRUE(ImageClassifier::Train(x.data(), y.data(), n, dim, options, &one,
                                     [&](int epoch, double loss) {
                                       EXPECT_EQ(epoch, int(losses.size()) + 1);
                                       losses.push_back(loss);
                                     })
                  .ok());
  options.threads = 2;
  ASSERT_TRUE(ImageClassifier::Train(x.data(), y.data(), n, dim, options, &two).ok());
  ASSERT_EQ(losses.size(), 2u);
  EXPECT_LT(losses[1], losses[0]);
  EXPECT_LT(losses[1], 0.1);  // from ln 10 = 2.3 (measured: 0.83 in epoch 1, 0.002 in epoch 2)
  EXPECT_GE(one->Accuracy(test_x.data(), test_y.data(), 500), 0.97);  // measured: 1.0
  for (size_t l = 0; l < one->weights().w.size(); ++l) {
    EXPECT_TRUE(SameBits(one->weights().w[l], two->weights().w[l])) << l;
    EXPECT_TRUE(SameBits(one->weights().b[l], two->weights().b[l])) << l;
  }
  // Predictions: the same bits on 1 and 2 threads and for any split of the rows; probabilities
  // sum to 1; features are the 128 values of the last hidden layer.
  ASSERT_EQ(one->feature_dim(), 128u);
  std::vector<float> p1(500 * 10), p2(500 * 10), f1(500 * 128), f2(500 * 128);
  one->Predict(test_x.data(), 500, p1.data(), f1.data());
  two->Predict(test_x.data(), 500, p2.data(), f2.data());
  EXPECT_TRUE(SameBits(p1, p2));
  EXPECT_TRUE(SameBits(f1, f2));
  std::vector<float> split(500 * 10);
  two->Predict(test_x.data(), 3, split.data(), nullptr);
  two->Predict(test_x.data() + 3 * dim, 497, split.data() + 30, nullptr);
  EXPECT_TRUE(SameBits(p1, split));
  for (size_t i = 0; i < 500; ++i) {
    double sum = 0;
    for (size_t k = 0; k < 10; ++k) sum += p1[i * 10 + k];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  // Round trip through the file format (in memory) keeps every prediction.
  SafetensorsFile file;
  ASSERT_TRUE(one->ToSafetensors(&file).ok());
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(WriteSafetensors(file, false, &bytes).ok());
  SafetensorsFile read;
  ASSERT_TRUE(ReadSafetensors(bytes.data(), bytes.size(), &read).ok());
  std::unique_ptr<ImageClassifier> loaded;
  ASSERT_TRUE(ImageClassifier::FromSafetensors(read, 2, &loaded).ok());
  std::vector<float> p3(500 * 10);
  loaded->Predict(test_x.data(), 500, p3.data(), nullptr);
  EXPECT_TRUE(SameBits(p1, p3));
}

TEST(Classifier, RejectsBadInputs) {
  const size_t dim = 4, n = 3;
  std::vector<float> x(n * dim, 0.5f);
  std::vector<uint8_t> y = {0, 1, 2};
  ClassifierOptions options;
  options.hidden = {3};
  std::unique_ptr<ImageClassifier> out;
  auto train = [&](const ClassifierOptions& o) {
    return ImageClassifier::Train(x.data(), y.data(), n, dim, o, &out).code();
  };
  EXPECT_EQ(train(options), StatusCode::kOk);
  out.reset();
  y[1] = 10;
  EXPECT_EQ(train(options), StatusCode::kInvalidArgument);
  y[1] = 1;
  x[5] = NAN;
  EXPECT_EQ(train(options), StatusCode::kInvalidArgument);
  x[5] = 0.5f;
  ClassifierOptions bad = options;
  bad.batch = 0;
  EXPECT_EQ(train(bad), StatusCode::kInvalidArgument);
  bad = options;
  bad.lr = -1;
  EXPECT_EQ(train(bad), StatusCode::kInvalidArgument);
  bad = options;
  bad.threads = 0;
  EXPECT_EQ(train(bad), StatusCode::kInvalidArgument);
  bad = options;
  bad.hidden = {};
  EXPECT_EQ(train(bad), StatusCode::kInvalidArgument);
  bad = options;
  bad.epochs = -1;
  EXPECT_EQ(train(bad), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(ImageClassifier::Train(x.data(), y.data(), 0, dim, options, &out).code(),
            StatusCode::kInvalidArgument);
  // Weights of the wrong shape, and a file that is not a classifier.
  ClassifierWeights weights;
  ASSERT_TRUE(InitClassifierWeights(dim, {3}, 0, &weights).ok());
  weights.w[1].pop_back();
  EXPECT_EQ(ImageClassifier::FromWeights(weights, 1, &out).code(), StatusCode::kInvalidArgument);
  SafetensorsFile file;
  file.metadata["format"] = "score-wasm";
  EXPECT_EQ(ImageClassifier::FromSafetensors(file, 1, &out).code(), StatusCode::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// Class statistics

TEST(ImageMetrics, CountsClassesOfConstructedProbabilities) {
  // 6 samples, 4 classes: most probable 2, 0, 2, 3, then two ties between classes 0 and 2, which
  // go to the lower index, 0.
  const float probs[] = {
      0.1f, 0.1f, 0.7f, 0.1f,  //
      0.9f, 0.0f, 0.1f, 0.0f,  //
      0.2f, 0.2f, 0.5f, 0.1f,  //
      0.0f, 0.0f, 0.0f, 1.0f,  //
      0.4f, 0.1f, 0.4f, 0.1f,  //
      0.3f, 0.2f, 0.3f, 0.2f,  //
  };
  ClassStats stats;
  ASSERT_TRUE(ComputeClassStats(probs, 6, 4, &stats).ok());
  EXPECT_EQ(stats.samples, 6u);
  EXPECT_EQ(stats.counts, (std::vector<size_t>{3, 0, 2, 1}));
  EXPECT_EQ(stats.largest_class, 0u);
  EXPECT_DOUBLE_EQ(stats.largest_fraction, 0.5);
  EXPECT_EQ(stats.classes_present, 3u);
  const double confidence =
      (double(0.7f) + double(0.9f) + double(0.5f) + 1.0 + double(0.4f) + double(0.3f)) / 6;
  EXPECT_NEAR(stats.mean_confidence, confidence, 1e-12);
  EXPECT_EQ(FormatClassStats(stats),
            "6 samples over 4 classes: 0: 3, 1: 0, 2: 2, 3: 1; largest class 0 (50.0 %); 3 of 4 "
            "classes present; mean confidence 0.633.");
  EXPECT_EQ(FormatClassStats(stats, {"a", "b", "c", "d"}),
            "6 samples over 4 classes: a: 3, b: 0, c: 2, d: 1; largest class a (50.0 %); 3 of 4 "
            "classes present; mean confidence 0.633.");
  // Largest-class ties also go to the lowest index.
  ASSERT_TRUE(ComputeClassStats(probs, 3, 4, &stats).ok());
  EXPECT_EQ(stats.counts, (std::vector<size_t>{1, 0, 2, 0}));
  EXPECT_EQ(stats.largest_class, 2u);
  ASSERT_TRUE(ComputeClassStats(probs + 4, 2, 4, &stats).ok());
  EXPECT_EQ(stats.largest_class, 0u);  // one each of classes 0 and 2
}

TEST(ImageMetrics, Errors) {
  const float probs[] = {0.5f, NAN, 0.2f, 0.8f};
  ClassStats stats;
  EXPECT_EQ(ComputeClassStats(probs, 0, 2, &stats).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeClassStats(probs, 1, 0, &stats).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeClassStats(probs, 2, 2, &stats).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ComputeClassStats(probs + 2, 1, 2, &stats).ok());
}

// ---------------------------------------------------------------------------------------------
// Image grid

// Image i (2 × 3 pixels): pixel (y, x) = (6 i + 3 y + x) / 20, so every pixel has its own level.
std::vector<float> TinyImages(size_t n) {
  std::vector<float> v(n * 6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) / 20.0f;
  return v;
}

uint8_t Level(size_t i, size_t y, size_t x) {
  return static_cast<uint8_t>(std::lround(float(6 * i + 3 * y + x) / 20.0f * 255.0f));
}

TEST(ImageGrid, PlacesImagesAtTheDocumentedPositions) {
  // 3 images on a 2 × 2 grid (the fourth cell empty), padding 2: 2·(3 + 2) + 2 = 12 wide and
  // 2·(2 + 2) + 2 = 10 high; images at (x, y) = (2, 2), (7, 2), (2, 6).
  const std::vector<float> images = TinyImages(3);
  ImageGridOptions options;
  options.pad_value = 77;
  RgbImage grid;
  ASSERT_TRUE(MakeImageGrid(images.data(), 3, 2, 3, options, &grid).ok());
  ASSERT_EQ(grid.width, 12);
  ASSERT_EQ(grid.height, 10);
  ASSERT_EQ(grid.pixels.size(), 12u * 10 * 3);
  auto at = [&](int x, int y) {
    const uint8_t* p = grid.pixels.data() + (y * grid.width + x) * 3;
    EXPECT_EQ(p[0], p[1]);
    EXPECT_EQ(p[0], p[2]);
    return p[0];
  };
  std::vector<int> expected(12 * 10, 77);
  const int origin[3][2] = {{2, 2}, {7, 2}, {2, 6}};
  for (size_t i = 0; i < 3; ++i) {
    for (size_t y = 0; y < 2; ++y) {
      for (size_t x = 0; x < 3; ++x) {
        expected[(origin[i][1] + y) * 12 + origin[i][0] + x] = Level(i, y, x);
      }
    }
  }
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 12; ++x) EXPECT_EQ(at(x, y), expected[y * 12 + x]) << x << " " << y;
  }
  EXPECT_EQ(at(7, 2), Level(1, 0, 0));
  EXPECT_EQ(at(9, 3), Level(1, 1, 2));
  EXPECT_EQ(at(4, 7), Level(2, 1, 2));
  EXPECT_EQ(at(8, 7), 77);  // the empty cell
}

TEST(ImageGrid, UpscalesClampsAndMapsNanToBlack) {
  // One column, scale 2, padding 1: each source pixel is a 2 × 2 block.
  const float images[] = {-1.0f, 0.5f, NAN, 2.0f};  // two 1 × 2 images
  ImageGridOptions options;
  options.columns = 1;
  options.padding = 1;
  options.scale = 2;
  RgbImage grid;
  ASSERT_TRUE(MakeImageGrid(images, 2, 1, 2, options, &grid).ok());
  ASSERT_EQ(grid.width, 1 * (4 + 1) + 1);
  ASSERT_EQ(grid.height, 2 * (2 + 1) + 1);
  auto at = [&](int x, int y) { return grid.pixels[(y * grid.width + x) * 3]; };
  const uint8_t half = static_cast<uint8_t>(std::lround(0.5f * 255.0f));
  for (int dy = 0; dy < 2; ++dy) {
    EXPECT_EQ(at(1, 1 + dy), 0);
    EXPECT_EQ(at(2, 1 + dy), 0);
    EXPECT_EQ(at(3, 1 + dy), half);
    EXPECT_EQ(at(4, 1 + dy), half);
    EXPECT_EQ(at(1, 4 + dy), 0);    // NaN
    EXPECT_EQ(at(4, 4 + dy), 255);  // 2 clamped
  }
  EXPECT_EQ(at(0, 0), 128);
  EXPECT_EQ(at(5, 3), 128);
}

TEST(ImageGrid, RejectsBadSizes) {
  const float images[] = {0, 0, 0, 0};
  ImageGridOptions options;
  RgbImage grid;
  EXPECT_EQ(MakeImageGrid(images, 0, 2, 2, options, &grid).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeImageGrid(images, 1, 0, 2, options, &grid).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeImageGrid(images, 1, 2, 0, options, &grid).code(), StatusCode::kInvalidArgument);
  options.scale = 0;
  EXPECT_EQ(MakeImageGrid(images, 1, 2, 2, options, &grid).code(), StatusCode::kInvalidArgument);
  options.scale = 10000;  // 20000 pixels wide
  EXPECT_EQ(MakeImageGrid(images, 1, 2, 2, options, &grid).code(), StatusCode::kInvalidArgument);
  options.scale = 1;
  options.padding = size_t{1} << 20;
  EXPECT_EQ(MakeImageGrid(images, 1, 2, 2, options, &grid).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(grid.width, 0);
}

}  // namespace
}  // namespace sw
