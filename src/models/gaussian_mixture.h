// The analytic Gaussian mixture p(x) = sum_k w_k N(x; mu_k, s_k^2 I), any dimension. Its
// σ-perturbed density p_σ = p ⊛ N(0, σ² I) is again a mixture with variances s_k² + σ², so the
// score is exact: s(x, σ) = sum_k r_k(x) (mu_k - x) / (s_k² + σ²), with the responsibilities r_k
// computed by log-sum-exp so that far-away points stay finite.
#pragma once

#include <memory>
#include <vector>

#include "models/score_model.h"

namespace sw {

class GaussianMixture : public ScoreModel {
 public:
  // weights: K values > 0 (normalised here), means: K × dim, stds: K values > 0. All finite.
  static Status Create(const std::vector<float>& weights, const std::vector<float>& means,
                       const std::vector<float>& stds, size_t dim,
                       std::unique_ptr<GaussianMixture>* out);

  size_t dim() const override { return dim_; }
  uint64_t scratch_bytes_per_thread() const override {
    return log_weights_.size() * sizeof(double);  // one log-term per component
  }
  float min_sigma() const override { return 0.0f; }
  void ScoreRows(const float* x, size_t n, const float* sigma, float* out) const override;
  // Analytic: with a_c = (mu_c − x) / v_c, J = −Σ_c r_c I / v_c + Σ_c r_c a_c (a_c − s)ᵀ.
  void ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                    float* out) const override;

  // log p_σ(x) of one point (for tests: the score is its gradient).
  double LogDensity(const float* x, float sigma) const;
  size_t components() const { return log_weights_.size(); }

 private:
  GaussianMixture() = default;
  double ComponentLogits(const float* x, double s2, double* logit) const;
  size_t dim_ = 0;
  std::vector<double> log_weights_, means_, variances_;
};

}  // namespace sw
