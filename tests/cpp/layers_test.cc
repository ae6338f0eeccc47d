// Every layer of layers/ on its own: forwards against direct double-precision loops or Eigen,
// backwards against finite differences (image layers) and Eigen products (dense layers), and the
// dense stack's training forward against its inference forward, bit for bit.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <vector>

#include "gradient_check.h"
#include "layers/conv3x3.h"
#include "layers/dense.h"
#include "layers/dense_stack.h"
#include "layers/group_norm.h"
#include "layers/resample.h"

namespace sw {
namespace {

using testing::Dot;
using testing::ExpectGradient;
using testing::Normal;

TEST(Conv3x3, MatchesDirectConvolution) {
  const ImageDims d{2, 5, 4, 3};
  const size_t cout = 5;
  const std::vector<float> x = Normal(d.size(), 1), w = Normal(9 * d.c * cout, 2),
                           b = Normal(cout, 3);
  std::vector<float> y(d.pixels() * cout);
  Conv3x3(x.data(), d, w.data(), b.data(), cout, y.data());
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

TEST(GroupNormSilu, NormalisesEachImageAndGroupThenSilu) {
  const ImageDims d{3, 4, 4, 6};
  const size_t groups = 3;
  std::vector<float> x = Normal(d.size(), 4, 3.0f);
  for (size_t i = 0; i < d.size(); ++i) x[i] += float(i % 7);  // offsets per channel
  const std::vector<float> gamma = Normal(d.c, 5), beta = Normal(d.c, 6);
  std::vector<float> y(d.size()), act(d.size()), mean(d.n * groups), rstd(d.n * groups);
  GroupNormSilu(x.data(), d, groups, gamma.data(), beta.data(), y.data(), act.data(), mean.data(),
                rstd.data());
  for (size_t i = 0; i < d.size(); ++i) {
    EXPECT_NEAR(act[i], y[i] / (1 + std::exp(-double(y[i]))), 1e-6 * (1 + std::fabs(y[i])));
  }
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
      EXPECT_FLOAT_EQ(mean[n * groups + g], float(m));
      EXPECT_FLOAT_EQ(rstd[n * groups + g], float(1 / std::sqrt(v + kGroupNormEps)));
      for (size_t p = 0; p < hw; ++p)
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const size_t i = (n * hw + p) * d.c + k;
          const double want = (x[i] - m) / std::sqrt(v + kGroupNormEps) * gamma[k] + beta[k];
          EXPECT_NEAR(y[i], want, 1e-5 * (1 + std::fabs(want)));
        }
    }
  }
}

TEST(Resample, PoolAndUpsample) {
  const ImageDims d{1, 2, 4, 1};
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> y(2);
  AvgPool2(x.data(), d, y.data());
  EXPECT_EQ(y, (std::vector<float>{3.5f, 5.5f}));
  std::vector<float> up(8);
  Upsample2(y.data(), ImageDims{1, 1, 2, 1}, up.data());
  EXPECT_EQ(up, (std::vector<float>{3.5f, 3.5f, 5.5f, 5.5f, 3.5f, 3.5f, 5.5f, 5.5f}));
}

// The epilogue: + image_bias[image, channel], then + residual, after the convolution.
TEST(Conv3x3, EpilogueAddsTheImageBiasThenTheResidual) {
  const ImageDims d{3, 4, 5, 2};
  const size_t cout = 6;
  const std::vector<float> x = Normal(d.size(), 21), w = Normal(9 * d.c * cout, 22),
                           b = Normal(cout, 23), v = Normal(d.n * cout, 24),
                           skip = Normal(d.pixels() * cout, 25);
  std::vector<float> plain(d.pixels() * cout), fused(d.pixels() * cout);
  Conv3x3(x.data(), d, w.data(), b.data(), cout, plain.data());
  Conv3x3(x.data(), d, w.data(), b.data(), cout, fused.data(), Parallel(), v.data(), skip.data());
  for (size_t p = 0; p < d.pixels(); ++p) {
    for (size_t o = 0; o < cout; ++o) {
      const size_t i = p * cout + o;
      EXPECT_EQ(fused[i], (plain[i] + v[p / (d.h * d.w) * cout + o]) + skip[i]) << i;
    }
  }
}

TEST(Conv3x3, BackwardMatchesFiniteDifferences) {
  const ImageDims d{2, 4, 3, 2};
  const size_t cout = 3;
  std::vector<float> x = Normal(d.size(), 7), w = Normal(9 * d.c * cout, 8), b = Normal(cout, 9);
  const std::vector<float> r = Normal(d.pixels() * cout, 10);
  std::vector<float> y(d.pixels() * cout);
  const auto loss = [&] {
    Conv3x3(x.data(), d, w.data(), b.data(), cout, y.data());
    return Dot(r, y);
  };
  std::vector<float> dw(w.size(), 0.0f), db(cout, 0.0f), dx(x.size());
  GradScratch s;
  Conv3x3Backward(x.data(), d, w.data(), cout, r.data(), dw.data(), db.data(), dx.data(), &s);
  ExpectGradient(&w, dw, loss, 1000, "conv weight");
  ExpectGradient(&b, db, loss, 1000, "conv bias");
  ExpectGradient(&x, dx, loss, 1000, "conv input");
}

TEST(ImageLayers, GroupNormSiluPoolUpsampleAndBiasBackwardsMatchFiniteDifferences) {
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
    GroupNormSilu(x.data(), d, groups, gamma.data(), beta.data(), n1.data(), a.data(), mean.data(),
                  rstd.data());
    AvgPool2(a.data(), d, pooled.data());
    Upsample2(pooled.data(), low, up.data());
    for (size_t i = 0; i < d.size(); ++i) {  // + v[image, channel], what ChannelBiasBackward undoes
      biased[i] = up[i] + v[i / (d.h * d.w * d.c) * d.c + i % d.c];
    }
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

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A row-major float buffer as a double matrix.
MatrixD ToMatrix(const std::vector<float>& v, size_t rows, size_t cols) {
  MatrixD m(rows, cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) m(r, c) = v[r * cols + c];
  }
  return m;
}

void ExpectNearMatrix(const std::vector<float>& got, const MatrixD& want, double tol,
                      const char* what) {
  ASSERT_EQ(got.size(), size_t(want.size())) << what;
  for (Eigen::Index r = 0; r < want.rows(); ++r) {
    for (Eigen::Index c = 0; c < want.cols(); ++c) {
      const double w = want(r, c);
      EXPECT_NEAR(got[r * want.cols() + c], w, tol * (1 + std::fabs(w)))
          << what << " " << r << "," << c;
    }
  }
}

// dW += xᵀ dy, db += Σ dy, dx = dy Wᵀ, against Eigen in double; sizes that are not multiples of
// any vector width, and gradients that already hold values (they are added to).
TEST(Dense, BackwardMatchesEigen) {
  const size_t rows = 37, in = 19, out = 13;
  const std::vector<float> x = Normal(rows * in, 40), w = Normal(in * out, 41),
                           dy = Normal(rows * out, 42);
  std::vector<float> dw = Normal(in * out, 43), db = Normal(out, 44), dx(rows * in, 7.0f);
  const MatrixD dw0 = ToMatrix(dw, in, out), db0 = ToMatrix(db, 1, out);
  GradScratch s;
  DenseBackward(x.data(), rows, in, out, w.data(), dy.data(), dw.data(), db.data(), dx.data(), &s);
  const MatrixD X = ToMatrix(x, rows, in), W = ToMatrix(w, in, out), DY = ToMatrix(dy, rows, out);
  ExpectNearMatrix(dw, dw0 + X.transpose() * DY, 1e-5, "dw");
  ExpectNearMatrix(db, db0 + DY.colwise().sum(), 1e-5, "db");
  ExpectNearMatrix(dx, DY * W.transpose(), 1e-5, "dx");
  // Without bias and input gradients only dw changes.
  std::vector<float> dw2(in * out, 0.0f);
  DenseBackward(x.data(), rows, in, out, w.data(), dy.data(), dw2.data(), nullptr, nullptr, &s);
  ExpectNearMatrix(dw2, X.transpose() * DY, 1e-5, "dw alone");
}

TEST(Dense, SiluBackwardIsTheDerivative) {
  const std::vector<float> pre = {-30.0f, -2.0f, -0.5f, 0.0f, 0.5f, 3.0f, 30.0f};
  const std::vector<float> dy(pre.size(), 2.0f);
  std::vector<float> dx(pre.size());
  SiluBackward(pre.data(), dy.data(), dx.data(), pre.size());
  for (size_t i = 0; i < pre.size(); ++i) {
    const double z = pre[i], sig = 1.0 / (1.0 + std::exp(-z));
    EXPECT_NEAR(dx[i], 2.0 * (sig + z * sig * (1.0 - sig)), 1e-6) << z;
  }
}

// The stack in double with Eigen: forward, then backprop of L = Σ dy ⊙ y.
struct StackReference {
  std::vector<MatrixD> dw, db;
  MatrixD y, dx;
};
StackReference ReferenceStack(const std::vector<std::vector<float>>& w,
                              const std::vector<std::vector<float>>& b,
                              const std::vector<size_t>& widths, const std::vector<float>& x,
                              const std::vector<float>& dy, size_t rows) {
  const size_t layers = w.size();
  std::vector<MatrixD> inputs = {ToMatrix(x, rows, widths[0])}, pre;
  for (size_t i = 0; i < layers; ++i) {
    MatrixD z = inputs.back() * ToMatrix(w[i], widths[i], widths[i + 1]);
    z.rowwise() += ToMatrix(b[i], 1, widths[i + 1]).row(0);
    if (i + 1 == layers) {
      inputs.push_back(z);
    } else {
      pre.push_back(z);
      inputs.push_back(z.unaryExpr([](double v) { return v / (1 + std::exp(-v)); }));
    }
  }
  StackReference ref;
  ref.y = inputs.back();
  ref.dw.resize(layers);
  ref.db.resize(layers);
  MatrixD delta = ToMatrix(dy, rows, widths[layers]);
  for (size_t i = layers; i-- > 0;) {
    ref.dw[i] = inputs[i].transpose() * delta;
    ref.db[i] = delta.colwise().sum();
    delta = delta * ToMatrix(w[i], widths[i], widths[i + 1]).transpose();
    if (i > 0) {
      const MatrixD& z = pre[i - 1];
      delta = delta.cwiseProduct(z.unaryExpr([](double v) {
        const double sig = 1 / (1 + std::exp(-v));
        return sig * (1 + v * (1 - sig));
      }));
    }
  }
  ref.dx = delta;
  return ref;
}

TEST(DenseStack, ForwardAndBackwardMatchEigenAndInferenceBitForBit) {
  for (const std::vector<size_t>& widths :
       {std::vector<size_t>{7, 11, 5, 3}, std::vector<size_t>{4, 6},
        std::vector<size_t>{9, 17, 2}}) {
    SCOPED_TRACE(widths.size());
    const size_t rows = 21, layers = widths.size() - 1;
    std::vector<std::vector<float>> w, b;
    std::vector<DenseView> views;
    for (size_t i = 0; i < layers; ++i) {
      w.push_back(Normal(widths[i] * widths[i + 1], 50 + i, 0.6f));
      b.push_back(Normal(widths[i + 1], 60 + i, 0.3f));
    }
    for (size_t i = 0; i < layers; ++i) {
      views.push_back({w[i].data(), b[i].data(), widths[i], widths[i + 1]});
    }
    const std::vector<float> x = Normal(rows * widths[0], 70),
                             dy = Normal(rows * widths[layers], 71);
    const StackReference ref = ReferenceStack(w, b, widths, x, dy, rows);

    DenseStackTape tape;
    std::vector<float> y(rows * widths[layers]);
    DenseStackForward(views, x.data(), rows, &tape, y.data());
    ExpectNearMatrix(y, ref.y, 1e-5, "y");
    std::vector<float> inferred(y.size()), a, scratch;
    std::vector<float> hidden(layers > 1 ? rows * widths[layers - 1] : 0);
    DenseStackInfer(views, x.data(), rows, inferred.data(), &a, &scratch,
                    layers > 1 ? hidden.data() : nullptr);
    EXPECT_EQ(0, std::memcmp(inferred.data(), y.data(), y.size() * sizeof(float)));
    if (layers > 1) {
      EXPECT_EQ(
          0, std::memcmp(hidden.data(), tape.hidden.back().data(), hidden.size() * sizeof(float)));
    }

    std::vector<std::vector<float>> dw, db;
    std::vector<DenseGrad> grads;
    for (size_t i = 0; i < layers; ++i) {
      dw.emplace_back(w[i].size(), 0.0f);
      db.emplace_back(b[i].size(), 0.0f);
    }
    for (size_t i = 0; i < layers; ++i) grads.push_back({dw[i].data(), db[i].data()});
    std::vector<float> dx(x.size());
    DenseStackBackward(views, dy.data(), &tape, grads, dx.data());
    for (size_t i = 0; i < layers; ++i) {
      ExpectNearMatrix(dw[i], ref.dw[i], 1e-4, "dw");
      ExpectNearMatrix(db[i], ref.db[i], 1e-4, "db");
    }
    ExpectNearMatrix(dx, ref.dx, 1e-4, "dx");
  }
}

}  // namespace
}  // namespace sw
