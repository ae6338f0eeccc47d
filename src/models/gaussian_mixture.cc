#include "models/gaussian_mixture.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace sw {

Status GaussianMixture::Create(const std::vector<float>& weights, const std::vector<float>& means,
                               const std::vector<float>& stds, size_t dim,
                               std::unique_ptr<GaussianMixture>* out) {
  const size_t k = weights.size();
  if (k == 0) return InvalidArgument("a mixture needs at least one component");
  if (dim == 0) return InvalidArgument("the dimension must be at least 1");
  if (means.size() != k * dim) {
    return InvalidArgument("means must hold components × dim = " + std::to_string(k * dim) +
                           " values (got " + std::to_string(means.size()) + ")");
  }
  if (stds.size() != k) {
    return InvalidArgument("stds must hold one value per component (" + std::to_string(k) +
                           "), got " + std::to_string(stds.size()));
  }
  double total = 0;
  for (size_t c = 0; c < k; ++c) {
    if (!std::isfinite(weights[c]) || weights[c] <= 0) {
      return InvalidArgument("weight " + std::to_string(c) + " must be a finite number > 0");
    }
    if (!std::isfinite(stds[c]) || stds[c] <= 0) {
      return InvalidArgument("std " + std::to_string(c) + " must be a finite number > 0");
    }
    total += weights[c];
  }
  for (size_t i = 0; i < means.size(); ++i) {
    if (!std::isfinite(means[i])) return InvalidArgument("means must be finite numbers");
  }
  std::unique_ptr<GaussianMixture> gmm(new GaussianMixture());
  gmm->dim_ = dim;
  for (size_t c = 0; c < k; ++c) {
    gmm->log_weights_.push_back(std::log(weights[c] / total));
    gmm->variances_.push_back(double{stds[c]} * stds[c]);
  }
  gmm->means_.assign(means.begin(), means.end());
  *out = std::move(gmm);
  return Status::Ok();
}

// logit[c] = log w_c + log N(x; mu_c, v_c I) + (dim/2) log 2π with v_c = s_c² + σ², for every
// component; returns the largest, for a stable log-sum-exp.
double GaussianMixture::ComponentLogits(const float* x, double s2, double* logit) const {
  double max_logit = -INFINITY;
  for (size_t c = 0; c < log_weights_.size(); ++c) {
    const double v = variances_[c] + s2;
    double d2 = 0;
    for (size_t j = 0; j < dim_; ++j) {
      const double d = x[j] - means_[c * dim_ + j];
      d2 += d * d;
    }
    logit[c] = log_weights_[c] - 0.5 * dim_ * std::log(v) - 0.5 * d2 / v;
    max_logit = std::max(max_logit, logit[c]);
  }
  return max_logit;
}

void GaussianMixture::ScoreRows(const float* x, size_t n, const float* sigma, float* out) const {
  const size_t k = log_weights_.size();
  // Scratch for the component log-terms, per thread: calls come once per task and step, and a
  // malloc each would contend on the allocator's lock (measurable in WASM).
  thread_local std::vector<double> logit;
  logit.resize(k);
  for (size_t r = 0; r < n; ++r) {
    const float* xr = x + r * dim_;
    const double s2 = double{sigma[r]} * sigma[r];
    const double max_logit = ComponentLogits(xr, s2, logit.data());
    // Responsibilities r_c = softmax(logit); score = sum_c r_c (mu_c - x) / v_c.
    double norm = 0;
    for (size_t c = 0; c < k; ++c) norm += (logit[c] = std::exp(logit[c] - max_logit));
    for (size_t j = 0; j < dim_; ++j) {
      double s = 0;
      for (size_t c = 0; c < k; ++c) {
        s += logit[c] * (means_[c * dim_ + j] - xr[j]) / (variances_[c] + s2);
      }
      out[r * dim_ + j] = static_cast<float>(s / norm);
    }
  }
}

void GaussianMixture::ScoreVjpRows(const float* x, size_t n, const float* sigma, const float* v,
                                   float* out) const {
  const size_t k = log_weights_.size();
  thread_local std::vector<double> r, a, score, acc;
  r.resize(k);
  a.resize(k * dim_);
  score.resize(dim_);
  acc.resize(dim_);
  for (size_t row = 0; row < n; ++row) {
    const float* xr = x + row * dim_;
    const float* vr = v + row * dim_;
    const double s2 = double{sigma[row]} * sigma[row];
    const double max_logit = ComponentLogits(xr, s2, r.data());
    double norm = 0;
    for (size_t c = 0; c < k; ++c) norm += (r[c] = std::exp(r[c] - max_logit));
    for (size_t c = 0; c < k; ++c) r[c] /= norm;
    std::fill(score.begin(), score.end(), 0.0);
    for (size_t c = 0; c < k; ++c) {
      for (size_t j = 0; j < dim_; ++j) {
        a[c * dim_ + j] = (means_[c * dim_ + j] - xr[j]) / (variances_[c] + s2);
        score[j] += r[c] * a[c * dim_ + j];
      }
    }
    // J is symmetric: vᵀ J = J v = −Σ_c r_c v / v_c + Σ_c r_c ((a_c − s) · v) a_c.
    std::fill(acc.begin(), acc.end(), 0.0);
    for (size_t c = 0; c < k; ++c) {
      double dot = 0;
      for (size_t j = 0; j < dim_; ++j) dot += (a[c * dim_ + j] - score[j]) * vr[j];
      for (size_t j = 0; j < dim_; ++j) {
        acc[j] += r[c] * (dot * a[c * dim_ + j] - vr[j] / (variances_[c] + s2));
      }
    }
    for (size_t j = 0; j < dim_; ++j) out[row * dim_ + j] = static_cast<float>(acc[j]);
  }
}

double GaussianMixture::LogDensity(const float* x, float sigma) const {
  std::vector<double> logit(log_weights_.size());
  const double max_logit = ComponentLogits(x, double{sigma} * sigma, logit.data());
  double sum = 0;
  for (double l : logit) sum += std::exp(l - max_logit);
  return max_logit + std::log(sum) - 0.5 * dim_ * std::log(2 * M_PI);
}

}  // namespace sw
