// The whole U-Net forward pass (models/ncsn_unet.h) against an independent reference: direct
// double-precision loops written from the architecture in the header comment, sharing no code with
// the production layers (no im2col, no GroupNorm / Conv3x3 / AvgPool2 / Upsample2 / f32_dense, no
// SigmaEmbedding), reading the weights by tensor name. Deliberately broken variants of the
// reference must disagree, so the comparison is known to see every term. Then U-Net sampling and
// U-Net training, bit-identical for 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "models/architectures.h"
#include "models/model_file.h"
#include "models/ncsn_unet.h"
#include "models/trainable_network.h"
#include "samplers/sampler.h"
#include "samplers/sampling_rules.h"
#include "train/trainer.h"

#if !defined(__EMSCRIPTEN__)
#include "hwy/targets.h"
#endif

namespace sw {
namespace {

constexpr double kPi = 3.14159265358979323846;
// GroupNorm's ε (layers/group_norm.h documents 1e-5 for the architecture).
constexpr double kEps = 1e-5;

// Faults the reference can be given on purpose; each must make it disagree with production.
enum class Fault {
  kNone,
  kNoUnetSkip,       // up level 0 without "+ skip_0"
  kNoSigmaDivision,  // s = conv_out(...) instead of conv_out(...) / σ
  kNoEmbedding,      // residual blocks without "+ (e · W_b + b_b)"
  kNoResidual,       // residual blocks without "+ h" (or "+ skip(h)")
  kFlippedKernel,    // 3×3 kernels applied rotated by 180° (convolution, not correlation)
  kNoInputScaling,   // EDM: conv_in fed x instead of x / √(σ² + σ_d²)
  kNoGaussianSkip,   // EDM: D = c_out · F, without c_skip · x
};
constexpr Fault kFaults[] = {Fault::kNoUnetSkip,    Fault::kNoSigmaDivision, Fault::kNoEmbedding,
                             Fault::kNoResidual,    Fault::kFlippedKernel,   Fault::kNoInputScaling,
                             Fault::kNoGaussianSkip};
const char* FaultName(Fault f) {
  switch (f) {
    case Fault::kNone:
      return "none";
    case Fault::kNoUnetSkip:
      return "no U-Net skip";
    case Fault::kNoSigmaDivision:
      return "no division by sigma";
    case Fault::kNoEmbedding:
      return "no sigma embedding in the blocks";
    case Fault::kNoResidual:
      return "no residual connection";
    case Fault::kFlippedKernel:
      return "flipped 3x3 kernels";
    case Fault::kNoInputScaling:
      return "no input scaling (EDM)";
    case Fault::kNoGaussianSkip:
      return "no c_skip term (EDM)";
  }
  return "?";
}

// One image in the reference: h × w × c doubles, channels last (as the model's data layout).
struct Image {
  size_t h = 0, w = 0, c = 0;
  std::vector<double> v;
  Image(size_t h_, size_t w_, size_t c_) : h(h_), w(w_), c(c_), v(h_ * w_ * c_, 0.0) {}
  double& at(size_t y, size_t x, size_t k) { return v[(y * w + x) * c + k]; }
  double at(size_t y, size_t x, size_t k) const { return v[(y * w + x) * c + k]; }
};

// The U-Net of models/ncsn_unet.h, one image at a time, in double precision.
class ReferenceUnet {
 public:
  ReferenceUnet(const NcsnUnetWeights& weights, Fault fault) : w_(weights), fault_(fault) {
    // The trainable tensors, in the order of w_.tensors (the table's first entry is the fixed
    // frequencies, read from w_.freqs).
    const TensorTable table = NcsnUnetTensorTable(w_.config);
    for (size_t i = 1; i < table.size(); ++i) specs_[table[i].name] = {i - 1, table[i].shape};
  }

  // s(x, σ) for one image x of config.dim() values.
  std::vector<double> Score(const float* x, float sigma_f) const {
    const NcsnUnetConfig& c = w_.config;
    const size_t levels = c.channels.size(), f = w_.freqs.size();
    const double sigma = sigma_f;
    // e = SiLU([sin(2π f_j log σ), cos(2π f_j log σ)]_j · W_e + b_e)
    std::vector<double> fourier(2 * f);
    for (size_t j = 0; j < f; ++j) {
      fourier[j] = std::sin(2 * kPi * w_.freqs[j] * std::log(sigma));
      fourier[f + j] = std::cos(2 * kPi * w_.freqs[j] * std::log(sigma));
    }
    std::vector<double> e = Dense(fourier, "embed", c.embedding_dim);
    for (double& v : e) v = Silu(v);

    // EDM (Karras et al. 2022, Table 1, VE): D(x) = c_skip x + c_out F(c_in x), and the score
    // is (D(x) − x) / σ² (Tweedie), written here in EDM's own terms rather than the model's.
    const bool edm = c.sigma_data > 0;
    const double sd = c.sigma_data, v = sigma * sigma + sd * sd;
    const double c_in = edm && fault_ != Fault::kNoInputScaling ? 1 / std::sqrt(v) : 1.0;
    const double c_skip = fault_ == Fault::kNoGaussianSkip ? 0.0 : sd * sd / v;
    const double c_out = sigma * sd / std::sqrt(v);
    Image h(c.height, c.width, c.image_channels);
    for (size_t i = 0; i < h.v.size(); ++i) h.v[i] = c_in * x[i];
    h = Conv3x3(h, "conv_in", c.channels[0]);
    std::vector<Image> skips;
    for (size_t l = 0; l < levels; ++l) {
      h = Block(h, "down." + std::to_string(l), c.channels[l], e);
      skips.push_back(h);
      if (l + 1 < levels) h = AvgPool2(h);
    }
    for (size_t l = levels - 1; l-- > 0;) {
      const std::string name = "up." + std::to_string(l);
      h = Upsample2(Conv1x1(h, name + ".proj", c.channels[l]));
      if (!(fault_ == Fault::kNoUnetSkip && l == 0)) {
        for (size_t i = 0; i < h.v.size(); ++i) h.v[i] += skips[l].v[i];
      }
      h = Block(h, name, c.channels[l], e);
    }
    Image s = Conv3x3(SiluImage(GroupNorm(h, "norm_out")), "conv_out", c.image_channels);
    if (fault_ == Fault::kNoSigmaDivision) return s.v;
    for (size_t i = 0; i < s.v.size(); ++i) {
      s.v[i] = edm ? (c_skip * x[i] + c_out * s.v[i] - x[i]) / (sigma * sigma) : s.v[i] / sigma;
    }
    return s.v;
  }

 private:
  static double Silu(double v) { return v / (1.0 + std::exp(-v)); }
  static Image SiluImage(Image a) {
    for (double& v : a.v) v = Silu(v);
    return a;
  }

  // The tensor `name`, checked against the shape the test expects of it.
  const std::vector<float>& Get(const std::string& name, std::vector<int64_t> shape) const {
    const auto it = specs_.find(name);
    if (it == specs_.end()) {
      ADD_FAILURE() << "no tensor " << name << " in NcsnUnetTensorTable";
    } else if (it->second.shape != shape) {
      ADD_FAILURE() << "tensor " << name << " has an unexpected shape";
    } else {
      const std::vector<float>& t = w_.tensors[it->second.index];
      size_t size = 1;
      for (int64_t d : shape) size *= size_t(d);
      if (t.size() == size) return t;
      ADD_FAILURE() << "tensor " << name << " holds " << t.size() << " values";
    }
    size_t size = 1;
    for (int64_t d : shape) size *= size_t(d);
    missing_.emplace_back(size, 0.0f);  // zeros keep the reference running after a failure
    return missing_.back();
  }

  // y = x · W + b for "<name>.weight" [in, out] and "<name>.bias" [out].
  std::vector<double> Dense(const std::vector<double>& x, const std::string& name,
                            size_t out) const {
    const std::vector<float>& wt = Get(name + ".weight", {int64_t(x.size()), int64_t(out)});
    const std::vector<float>& b = Get(name + ".bias", {int64_t(out)});
    std::vector<double> y(b.begin(), b.end());
    for (size_t i = 0; i < x.size(); ++i) {
      for (size_t o = 0; o < out; ++o) y[o] += x[i] * double(wt[i * out + o]);
    }
    return y;
  }

  // A 1×1 convolution: Dense at every pixel.
  Image Conv1x1(const Image& x, const std::string& name, size_t cout) const {
    const std::vector<float>& wt = Get(name + ".weight", {int64_t(x.c), int64_t(cout)});
    const std::vector<float>& b = Get(name + ".bias", {int64_t(cout)});
    Image y(x.h, x.w, cout);
    for (size_t yy = 0; yy < x.h; ++yy) {
      for (size_t xx = 0; xx < x.w; ++xx) {
        for (size_t o = 0; o < cout; ++o) {
          double acc = b[o];
          for (size_t i = 0; i < x.c; ++i) acc += x.at(yy, xx, i) * double(wt[i * cout + o]);
          y.at(yy, xx, o) = acc;
        }
      }
    }
    return y;
  }

  // A "same" 3×3 cross-correlation with zero padding; weight rows in (ky, kx, cin) order.
  Image Conv3x3(const Image& x, const std::string& name, size_t cout) const {
    const std::vector<float>& wt = Get(name + ".weight", {int64_t(9 * x.c), int64_t(cout)});
    const std::vector<float>& b = Get(name + ".bias", {int64_t(cout)});
    Image y(x.h, x.w, cout);
    for (size_t yy = 0; yy < x.h; ++yy) {
      for (size_t xx = 0; xx < x.w; ++xx) {
        double* out = &y.at(yy, xx, 0);
        for (size_t o = 0; o < cout; ++o) out[o] = b[o];
        for (size_t ky = 0; ky < 3; ++ky) {
          for (size_t kx = 0; kx < 3; ++kx) {
            // Input pixel (yy + ky - 1, xx + kx - 1); outside the image it is zero.
            if (yy + ky < 1 || yy + ky - 1 >= x.h || xx + kx < 1 || xx + kx - 1 >= x.w) continue;
            const size_t tap =
                fault_ == Fault::kFlippedKernel ? (2 - ky) * 3 + (2 - kx) : ky * 3 + kx;
            for (size_t ci = 0; ci < x.c; ++ci) {
              const double in = x.at(yy + ky - 1, xx + kx - 1, ci);
              const float* row = &wt[(tap * x.c + ci) * cout];
              for (size_t o = 0; o < cout; ++o) out[o] += in * double(row[o]);
            }
          }
        }
      }
    }
    return y;
  }

  // GroupNorm of one image: groups of c / groups consecutive channels, over all pixels.
  Image GroupNorm(const Image& x, const std::string& name) const {
    const size_t groups = w_.config.groups, gc = x.c / groups, hw = x.h * x.w;
    const std::vector<float>& gamma = Get(name + ".weight", {int64_t(x.c)});
    const std::vector<float>& beta = Get(name + ".bias", {int64_t(x.c)});
    Image y(x.h, x.w, x.c);
    for (size_t g = 0; g < groups; ++g) {
      double mean = 0, var = 0;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) mean += x.v[p * x.c + k];
      }
      mean /= double(hw * gc);
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          var += (x.v[p * x.c + k] - mean) * (x.v[p * x.c + k] - mean);
        }
      }
      var /= double(hw * gc);
      const double inv = 1.0 / std::sqrt(var + kEps);
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          y.v[p * x.c + k] = (x.v[p * x.c + k] - mean) * inv * gamma[k] + beta[k];
        }
      }
    }
    return y;
  }

  static Image AvgPool2(const Image& x) {
    Image y(x.h / 2, x.w / 2, x.c);
    for (size_t yy = 0; yy < y.h; ++yy) {
      for (size_t xx = 0; xx < y.w; ++xx) {
        for (size_t k = 0; k < x.c; ++k) {
          y.at(yy, xx, k) = (x.at(2 * yy, 2 * xx, k) + x.at(2 * yy, 2 * xx + 1, k) +
                             x.at(2 * yy + 1, 2 * xx, k) + x.at(2 * yy + 1, 2 * xx + 1, k)) /
                            4;
        }
      }
    }
    return y;
  }

  static Image Upsample2(const Image& x) {
    Image y(2 * x.h, 2 * x.w, x.c);
    for (size_t yy = 0; yy < y.h; ++yy) {
      for (size_t xx = 0; xx < y.w; ++xx) {
        for (size_t k = 0; k < x.c; ++k) y.at(yy, xx, k) = x.at(yy / 2, xx / 2, k);
      }
    }
    return y;
  }

  // Block(h): a = conv1(SiLU(GN1(h))) + (e · W_b + b_b); b = conv2(SiLU(GN2(a)));
  // out = b + h, or b + skip(h) when the channel count changes.
  Image Block(const Image& h, const std::string& name, size_t cout,
              const std::vector<double>& e) const {
    Image a = Conv3x3(SiluImage(GroupNorm(h, name + ".norm1")), name + ".conv1", cout);
    if (fault_ != Fault::kNoEmbedding) {
      const std::vector<double> bias = Dense(e, name + ".emb", cout);
      for (size_t p = 0; p < a.h * a.w; ++p) {
        for (size_t k = 0; k < cout; ++k) a.v[p * cout + k] += bias[k];
      }
    }
    Image b = Conv3x3(SiluImage(GroupNorm(a, name + ".norm2")), name + ".conv2", cout);
    if (fault_ != Fault::kNoResidual) {
      const Image skip = h.c == cout ? h : Conv1x1(h, name + ".skip", cout);
      for (size_t i = 0; i < b.v.size(); ++i) b.v[i] += skip.v[i];
    }
    return b;
  }

  struct Spec {
    size_t index;
    std::vector<int64_t> shape;
  };
  const NcsnUnetWeights& w_;
  const Fault fault_;
  std::map<std::string, Spec> specs_;
  mutable std::deque<std::vector<float>> missing_;  // stable references
};

// The tolerance, relative to |ref| + rms(ref) per value (see the comment at its use):
// (layers in series) × (largest fan-in + 16) × 2^-24.
double Tolerance(const NcsnUnetConfig& c) {
  size_t fan_in = std::max({9 * c.image_channels, 2 * c.sigma_embedding_freqs, c.embedding_dim});
  for (size_t ch : c.channels) fan_in = std::max(fan_in, 9 * ch);
  const size_t levels = c.channels.size();
  // embed, conv_in, conv1 and conv2 of the 2L - 1 blocks, proj of the L - 1 up levels, conv_out.
  const size_t depth = 2 + 2 * (2 * levels - 1) + (levels - 1) + 1;
  return double(depth) * double(fan_in + 16) * std::ldexp(1.0, -24);
}

// The largest |got - want| / (|want| + rms(want)) over one image, in units of `tol`.
double ErrorInTolerances(const float* got, const std::vector<double>& want, double tol) {
  double ss = 0;
  for (double v : want) ss += v * v;
  const double rms = std::sqrt(ss / double(want.size()));
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst =
        std::max(worst, std::fabs(double(got[i]) - want[i]) / (tol * (std::fabs(want[i]) + rms)));
  }
  return worst;
}

std::vector<float> Normal(size_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  FillNormal(seed, RandomStream::kInit, 77, 0, v.data(), n);
  for (float& x : v) x *= scale;
  return v;
}

// Checks NcsnUnet::ScoreRows (batches of 1, 3 and 5 rows: more than NcsnUnet::kTileRows) and
// NcsnUnetForward with a different σ per row against the reference, at every σ in `sigmas`, and
// that each broken variant of the reference disagrees.
void ExpectMatchesReference(const NcsnUnetWeights& weights, const std::vector<float>& sigmas,
                            float x_scale) {
  const NcsnUnetConfig& c = weights.config;
  // Where the tolerance comes from: every dot product of K float terms, accumulated in float
  // (with or without FMA, in any order), is within K · 2^-24 · Σ|terms| of the exact sum
  // (Higham's bound γ_K for recursive summation, worst case; blocked or pairwise sums do better).
  // The terms of one layer are of the size of that layer's activations, which GroupNorm and the
  // variance-preserving initialisation keep at O(1), so each layer adds a relative error of at
  // most K · 2^-24 of its output's scale, plus a few ulp for rounding its inputs and outputs,
  // GroupNorm's float normalisation, SiLU (a few ulp), the float σ embedding and 1/σ (the + 16).
  // Layers in series add their errors (a unit-gain chain), so the bound is depth · (K + 16) ·
  // 2^-24 of the output's scale, measured per image as |ref| + rms(ref): the absolute part
  // covers outputs near zero after cancellation, whose error follows the terms, not the result.
  // For the shipped 28×28 model (K = 9 · 64, depth 15) that is 5.3e-4; typical errors are far
  // smaller (random rounding grows like √K; measured: 0.4 % to 3 % of the bound), so the test
  // prints the worst error seen. The bound still resolves GroupNorm's ε made ten times larger.
  const double tol = Tolerance(c);
  const size_t dim = c.dim(), max_rows = 5;
  const std::vector<float> x = Normal(max_rows * dim, 1000 + dim, x_scale);
  std::unique_ptr<NcsnUnet> net;
  ASSERT_TRUE(NcsnUnet::Create(weights, &net).ok());
  const ReferenceUnet reference(weights, Fault::kNone);
  std::map<std::pair<size_t, float>, std::vector<double>> want;  // (row, σ) -> reference score
  const auto expected = [&](size_t row, float sigma) -> const std::vector<double>& {
    auto it = want.find({row, sigma});
    if (it == want.end()) {
      it = want.emplace(std::make_pair(row, sigma), reference.Score(&x[row * dim], sigma)).first;
    }
    return it->second;
  };
  double worst = 0;
  std::vector<float> got(max_rows * dim);
  for (float sigma : sigmas) {
    for (size_t rows : {size_t{1}, size_t{3}, max_rows}) {
      std::fill(got.begin(), got.end(), NAN);
      ScoreRowsAt(*net, x.data(), rows, sigma, got.data());
      for (size_t r = 0; r < rows; ++r) {
        const double err = ErrorInTolerances(&got[r * dim], expected(r, sigma), tol);
        worst = std::max(worst, err);
        EXPECT_LE(err, 1.0) << "ScoreRows, " << rows << " rows, sigma " << sigma << ", row " << r;
      }
    }
  }
  // NcsnUnetForward with its own σ per row.
  std::vector<float> row_sigma(max_rows);
  for (size_t r = 0; r < max_rows; ++r) row_sigma[r] = sigmas[r % sigmas.size()];
  NcsnUnetActivations act;
  NcsnUnetForward(c, ViewNcsnUnet(weights), x.data(), row_sigma.data(), max_rows, &act, got.data());
  for (size_t r = 0; r < max_rows; ++r) {
    const double err = ErrorInTolerances(&got[r * dim], expected(r, row_sigma[r]), tol);
    worst = std::max(worst, err);
    EXPECT_LE(err, 1.0) << "NcsnUnetForward, sigma " << row_sigma[r] << ", row " << r;
  }

  // The broken variants disagree beyond the tolerance: the comparison sees every term.
  const float sigma = sigmas[0];  // != 1, so that the division by σ matters
  ScoreRowsAt(*net, x.data(), 1, sigma, got.data());
  double least = INFINITY;
  for (Fault fault : kFaults) {
    if (fault == Fault::kNoUnetSkip && c.channels.size() < 2) continue;  // no up path
    const bool edm_fault = fault == Fault::kNoInputScaling || fault == Fault::kNoGaussianSkip;
    if (edm_fault && c.sigma_data == 0) continue;
    const ReferenceUnet broken(weights, fault);
    const double err = ErrorInTolerances(got.data(), broken.Score(x.data(), sigma), tol);
    least = std::min(least, err);
    EXPECT_GT(err, 1.0) << "the reference with the fault \"" << FaultName(fault) << "\" agrees";
  }
  std::printf(
      "  worst error %.3g of the tolerance %.3g; the broken variants are off by %.3g or more\n",
      worst, tol, least);
}

NcsnUnetConfig Config(size_t h, size_t w, size_t image_channels, std::vector<size_t> channels,
                      size_t groups) {
  NcsnUnetConfig c;
  c.height = h, c.width = w, c.image_channels = image_channels;
  c.channels = std::move(channels);
  c.groups = groups;
  c.sigma_embedding_freqs = 3;
  c.embedding_dim = 5;
  c.sigmas = {3.0f, 0.7f, 0.05f};
  return c;
}

NcsnUnetConfig Preconditioned(NcsnUnetConfig c, float sigma_data) {
  c.sigma_data = sigma_data;
  return c;
}

// Fresh weights plus N(0, 0.3²) noise on every tensor, which moves the biases, GroupNorm scales
// and shifts away from 0 / 1 (so every term of the architecture changes the output).
NcsnUnetWeights RandomWeights(const NcsnUnetConfig& config, uint64_t seed) {
  NcsnUnetWeights w;
  EXPECT_TRUE(InitNcsnUnetWeights(config, seed, &w).ok());
  for (size_t i = 0; i < w.tensors.size(); ++i) {
    const std::vector<float> noise = Normal(w.tensors[i].size(), seed * 1000 + i, 0.3f);
    for (size_t k = 0; k < noise.size(); ++k) w.tensors[i][k] += noise[k];
  }
  return w;
}

TEST(NcsnUnetReference, RandomNetworksMatchTheDirectLoopReference) {
  struct Case {
    const char* what;
    NcsnUnetConfig config;
  };
  const Case cases[] = {
      {"8x8x1, channels [4, 8] (skip 1x1 in down.1)", Config(8, 8, 1, {4, 8}, 2)},
      {"4x4x3, channels [6] (one level, no up path)", Config(4, 4, 3, {6}, 3)},
      {"8x8x2, channels [4, 4, 8] (skip only in down.2)", Config(8, 8, 2, {4, 4, 8}, 2)},
      {"4x8x1, channels [3, 6, 9], groups 3 (not square)", Config(4, 8, 1, {3, 6, 9}, 3)},
      {"8x8x1, channels [4, 8], EDM preconditioning (sigma_data 0.4)",
       Preconditioned(Config(8, 8, 1, {4, 8}, 2), 0.4f)},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    std::printf("%s\n", c.what);
    ExpectMatchesReference(RandomWeights(c.config, seed++), {3.0f, 0.7f, 0.05f}, 1.0f);
  }
}

TEST(NcsnUnetReference, ShippedMnistModelMatchesTheDirectLoopReference) {
  LoadedModel loaded;
  const Status status =
      LoadScoreModelFile(std::string(SCORE_MODELS_DIR) + "/mnist.safetensors", &loaded);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const auto* unet = dynamic_cast<const NcsnUnet*>(loaded.model.get());
  ASSERT_NE(unet, nullptr) << loaded.architecture;
  // Inputs N(0, 0.5²), of the size of noisy pixels; σ spans the trained range (15.9 to 0.01).
  ExpectMatchesReference(unet->weights(), {5.0f, 0.3f, 0.01f}, 0.5f);
}

// Whether two float vectors hold the same bits.
bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Sampling the shipped U-Net: 22 chains are three sampler chunks (8, 8, 6: kMinChainsPerTask is
// 8, so fewer chains would leave the second thread idle), and the chunks hold several
// NcsnUnet::kTileRows tiles, the last one partial.
TEST(NcsnUnetReference, ShippedMnistSamplingIsBitIdenticalForOneAndTwoThreads) {
  LoadedModel loaded;
  const Status status =
      LoadScoreModelFile(std::string(SCORE_MODELS_DIR) + "/mnist.safetensors", &loaded);
  ASSERT_TRUE(status.ok()) << status.ToString();
  SamplerOptions options;
  ASSERT_TRUE(RecommendedSamplerOptions(loaded, &options).ok());
  const std::vector<float> all = options.sigmas;
  options.sigmas = {all.front(), all[all.size() / 2], all.back()};
  options.steps_per_level = 2;
  options.seed = 21;
  const size_t n = 22;
  ThreadPool one(1), two(2);
  std::vector<float> a, b;
  ASSERT_TRUE(Sample(*loaded.model, n, options, &one, 0, &a).ok());
  ASSERT_TRUE(Sample(*loaded.model, n, options, &two, 0, &b).ok());
  ASSERT_EQ(a.size(), n * loaded.model->dim());
  EXPECT_TRUE(SameBits(a, b));
}

// The model file's tensors of a trained network, in file order.
std::vector<float> AllTensors(const TrainableNetwork& net) {
  SafetensorsFile file;
  EXPECT_TRUE(net.ToSafetensors(&file).ok());
  std::vector<float> all;
  for (const sw::Tensor& t : file.tensors) all.insert(all.end(), t.data.begin(), t.data.end());
  return all;
}

// Training a tiny U-Net: a batch of 20 is three chunks of TrainChunkRows() = 8 (the last partial),
// shared between the threads.
TEST(NcsnUnetReference, TrainingIsBitIdenticalForOneAndTwoThreads) {
  const NcsnUnetConfig config = Config(8, 8, 1, {4, 8}, 2);
  NcsnUnetWeights initial;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 9, &initial).ok());
  const std::vector<float> data = Normal(30 * config.dim(), 31);
  for (TrainObjective objective : {TrainObjective::kDsm, TrainObjective::kSsm}) {
    SCOPED_TRACE(static_cast<int>(objective));
    std::vector<float> weights[2], ema[2];
    double loss[2];
    for (size_t threads : {size_t{1}, size_t{2}}) {
      std::unique_ptr<TrainableNetwork> net;
      ASSERT_TRUE(MakeTrainableNcsnUnet(initial, &net).ok());
      ASSERT_EQ(net->TrainChunkRows(), 8u);
      TrainOptions options;
      options.objective = objective;
      options.batch_size = 20;
      options.lr = 1e-3;
      options.ema_decay = 0.9;
      options.seed = 5;
      options.threads = threads;
      std::unique_ptr<Trainer> trainer;
      ASSERT_TRUE(Trainer::Create(std::move(net), data, options, &trainer).ok());
      const Status stepped = trainer->Step(3);
      ASSERT_TRUE(stepped.ok()) << stepped.ToString();
      weights[threads - 1] = AllTensors(trainer->Network());
      ema[threads - 1] = AllTensors(trainer->EmaNetwork());
      loss[threads - 1] = trainer->last_loss();
    }
    std::unique_ptr<TrainableNetwork> untrained;
    ASSERT_TRUE(MakeTrainableNcsnUnet(initial, &untrained).ok());
    EXPECT_FALSE(SameBits(weights[0], AllTensors(*untrained)));  // it trained
    EXPECT_TRUE(SameBits(weights[0], weights[1]));
    EXPECT_TRUE(SameBits(ema[0], ema[1]));
    EXPECT_EQ(std::memcmp(&loss[0], &loss[1], sizeof(double)), 0);
  }
}

// Every output of the kernels is the same chain of fused multiply-adds in the same order whatever
// the vector width and register tiles, so training gives the same bits on every FMA target this
// build has and this CPU runs (AVX2, AVX-512): what lets web/models/train-images.sh reproduce the
// shipped files on any of them. Here a preconditioned U-Net with EDM's σ and weight, 3 steps.
TEST(NcsnUnetReference, TrainingIsBitIdenticalOnEveryFmaTarget) {
#if defined(__EMSCRIPTEN__)
  GTEST_SKIP() << "one target (WASM SIMD128)";
#else
  std::vector<int64_t> fma_targets;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    if (target <= HWY_AVX2) fma_targets.push_back(target);  // better targets have lower bits
  }
  if (fma_targets.size() < 2) GTEST_SKIP() << "fewer than two FMA targets on this CPU";
  NcsnUnetConfig config = Config(8, 8, 1, {4, 8}, 2);
  config.sigma_data = 0.4f;
  NcsnUnetWeights initial;
  ASSERT_TRUE(InitNcsnUnetWeights(config, 9, &initial).ok());
  const std::vector<float> data = Normal(30 * config.dim(), 31);
  std::vector<std::vector<float>> weights;
  for (int64_t target : fma_targets) {
    hwy::SetSupportedTargetsForTest(target);
    std::unique_ptr<TrainableNetwork> net;
    ASSERT_TRUE(MakeTrainableNcsnUnet(initial, &net).ok());
    TrainOptions options;
    options.sigma_sampling = SigmaSampling::kLogNormal;
    options.loss_weighting = LossWeighting::kEdm;
    options.sigma_data = 0.4;
    options.batch_size = 20;
    options.seed = 5;
    std::unique_ptr<Trainer> trainer;
    ASSERT_TRUE(Trainer::Create(std::move(net), data, options, &trainer).ok());
    ASSERT_TRUE(trainer->Step(3).ok());
    weights.push_back(AllTensors(trainer->Network()));
  }
  hwy::SetSupportedTargetsForTest(0);  // back to the best target for the other tests
  for (int64_t target : fma_targets) std::printf("  trained on %s\n", hwy::TargetName(target));
  for (size_t i = 1; i < weights.size(); ++i) {
    EXPECT_TRUE(SameBits(weights[0], weights[i]))
        << hwy::TargetName(fma_targets[i]) << " against " << hwy::TargetName(fma_targets[0]);
  }
#endif
}

}  // namespace
}  // namespace sw
