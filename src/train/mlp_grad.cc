// Forward with kept activations (the dense kernel without activation, then SiLU, so that the
// pre-activations are there for SiLU') and the backward pass as Eigen products on row-major maps.
#include "train/mlp_grad.h"

#include <Eigen/Dense>
#include <cassert>
#include <cmath>
#include <cstring>

#include "kernels/dense.h"
#include "kernels/elementwise.h"

namespace sw {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

// SiLU'(z) = sig(z) (1 + z (1 - sig(z))); exp overflow for very negative z gives sig = 0 and 0.
inline float SiluDerivative(float z) {
  const float sig = 1.0f / (1.0f + std::exp(-z));
  return sig * (1.0f + z * (1.0f - sig));
}

}  // namespace

void ZeroNcsnMlpGrads(const NcsnMlpWeights& weights, NcsnMlpGrads* grads) {
  grads->weights.resize(weights.weights.size());
  grads->biases.resize(weights.biases.size());
  for (size_t i = 0; i < weights.weights.size(); ++i) {
    grads->weights[i].assign(weights.weights[i].size(), 0.0f);
    grads->biases[i].assign(weights.biases[i].size(), 0.0f);
  }
}

void NcsnMlpForwardTrain(const NcsnMlpWeights& weights, const float* x, const float* sigma,
                         size_t rows, NcsnMlpActivations* act, float* score) {
  const NcsnMlpConfig& config = weights.config;
  const size_t dim = config.dim;
  const size_t freqs = config.sigma_embedding_freqs;
  const size_t in0 = dim + 2 * freqs;
  const size_t layers = weights.weights.size();
  act->rows = rows;
  act->sigma.assign(sigma, sigma + rows);
  act->inputs.resize(layers);
  act->pre.resize(layers - 1);

  std::vector<float>& h0 = act->inputs[0];
  h0.resize(rows * in0);
  for (size_t r = 0; r < rows; ++r) {
    float* h = h0.data() + r * in0;
    std::memcpy(h, x + r * dim, dim * sizeof(float));
    NcsnSigmaEmbedding(weights.freqs, sigma[r], h + dim);
  }
  size_t in = in0;
  for (size_t i = 0; i + 1 < layers; ++i) {
    const size_t out = weights.biases[i].size();
    act->pre[i].resize(rows * out);
    act->inputs[i + 1].resize(rows * out);
    f32_dense(act->inputs[i].data(), weights.weights[i].data(), weights.biases[i].data(),
              act->pre[i].data(), rows, in, out, Activation::kNone);
    f32_silu(act->pre[i].data(), act->inputs[i + 1].data(), rows * out);
    in = out;
  }
  f32_dense(act->inputs[layers - 1].data(), weights.weights[layers - 1].data(),
            weights.biases[layers - 1].data(), score, rows, in, dim, Activation::kNone);
  for (size_t r = 0; r < rows; ++r)
    f32_scale(score + r * dim, 1.0f / sigma[r], score + r * dim, dim);
}

void NcsnMlpBackward(const NcsnMlpWeights& weights, const float* dscore, NcsnMlpActivations* act,
                     NcsnMlpGrads* grads) {
  const size_t rows = act->rows;
  const size_t dim = weights.config.dim;
  const size_t layers = weights.weights.size();
  if (rows == 0) return;
  // s = y / σ, so d loss / d y = dscore / σ.
  act->delta.resize(rows * dim);
  for (size_t r = 0; r < rows; ++r) {
    f32_scale(dscore + r * dim, 1.0f / act->sigma[r], act->delta.data() + r * dim, dim);
  }
  for (size_t i = layers; i-- > 0;) {
    const size_t out = weights.biases[i].size();
    const size_t in = weights.weights[i].size() / out;
    assert(act->delta.size() == rows * out);
    ConstMatrixMap delta(act->delta.data(), rows, out);
    ConstMatrixMap input(act->inputs[i].data(), rows, in);
    MatrixMap dw(grads->weights[i].data(), in, out);
    dw.noalias() += input.transpose() * delta;
    float* db = grads->biases[i].data();
    for (size_t r = 0; r < rows; ++r) {
      const float* d = act->delta.data() + r * out;
      for (size_t o = 0; o < out; ++o) db[o] += d[o];
    }
    if (i == 0) break;  // no gradient for the input (x and the fixed embedding)
    // d loss / d input of layer i, then through the SiLU of hidden layer i - 1.
    act->delta_next.resize(rows * in);
    MatrixMap dinput(act->delta_next.data(), rows, in);
    ConstMatrixMap w(weights.weights[i].data(), in, out);
    dinput.noalias() = delta * w.transpose();
    const float* pre = act->pre[i - 1].data();
    float* dn = act->delta_next.data();
    for (size_t k = 0; k < rows * in; ++k) dn[k] *= SiluDerivative(pre[k]);
    std::swap(act->delta, act->delta_next);
  }
}

}  // namespace sw
