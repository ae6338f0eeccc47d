// Adam, clipping and EMA as plain loops: they are O(parameters) per step, small next to the
// forward and backward passes over a batch.
#include "train/adam.h"

#include <cassert>
#include <cmath>

namespace sw {

Adam::Adam(const AdamOptions& options, const std::vector<size_t>& sizes) : options_(options) {
  for (size_t size : sizes) {
    m_.emplace_back(size, 0.0f);
    v_.emplace_back(size, 0.0f);
  }
}

void Adam::Update(const TensorList& params, const ConstTensorList& grads) {
  assert(params.size() == m_.size() && grads.size() == m_.size());
  ++step_;
  const double t = static_cast<double>(step_);
  const float step_size = static_cast<float>(options_.lr / (1.0 - std::pow(options_.beta1, t)));
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(options_.beta2, t)));
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const float eps = static_cast<float>(options_.eps);
  for (size_t i = 0; i < params.size(); ++i) {
    float* p = params[i]->data();
    const float* g = grads[i]->data();
    float* m = m_[i].data();
    float* v = v_[i].data();
    assert(params[i]->size() == m_[i].size() && grads[i]->size() == m_[i].size());
    for (size_t k = 0; k < m_[i].size(); ++k) {
      m[k] = b1 * m[k] + (1.0f - b1) * g[k];
      v[k] = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
      p[k] -= step_size * m[k] / (std::sqrt(v[k]) * inv_sqrt_bc2 + eps);
    }
  }
}

double GlobalNorm(const ConstTensorList& grads) {
  double sum = 0.0;
  for (const std::vector<float>* g : grads) {
    for (float v : *g) sum += static_cast<double>(v) * v;
  }
  return std::sqrt(sum);
}

double ClipByGlobalNorm(const TensorList& grads, double max_norm) {
  const double norm = GlobalNorm(ConstTensorList(grads.begin(), grads.end()));
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / norm);
    for (std::vector<float>* g : grads) {
      for (float& v : *g) v *= scale;
    }
  }
  return norm;
}

void EmaUpdate(const TensorList& ema, const ConstTensorList& params, double decay) {
  assert(ema.size() == params.size());
  const float d = static_cast<float>(decay), one_minus_d = static_cast<float>(1.0 - decay);
  for (size_t i = 0; i < ema.size(); ++i) {
    float* e = ema[i]->data();
    const float* p = params[i]->data();
    for (size_t k = 0; k < ema[i]->size(); ++k) e[k] = d * e[k] + one_minus_d * p[k];
  }
}

}  // namespace sw
