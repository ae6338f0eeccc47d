// Group normalisation and its backward pass (see group_norm.h).
#include "layers/group_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/elementwise.h"

namespace sw {

void GroupNormSilu(const float* x, const ImageDims& d, size_t groups, const float* gamma,
                   const float* beta, float* y, float* act, float* mean_out, float* rstd_out) {
  const size_t hw = d.h * d.w, c = d.c, gc = c / groups;
  const double count = static_cast<double>(hw * gc);
  // Per channel: the sums (then the centred squares) and the group's mean and rstd spread out.
  thread_local std::vector<double> sum, mean;
  thread_local std::vector<float> m, r;
  sum.resize(c);
  mean.resize(c);
  m.resize(c);
  r.resize(c);
  for (size_t b = 0; b < d.n; ++b) {
    const float* xi = x + b * hw * c;
    // Two passes in double: the mean, then the centred sum of squares (no cancellation).
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t p = 0; p < hw; ++p) {
      const float* row = xi + p * c;
      for (size_t k = 0; k < c; ++k) sum[k] += row[k];
    }
    for (size_t g = 0; g < groups; ++g) {
      double s = 0.0;
      for (size_t k = g * gc; k < (g + 1) * gc; ++k) s += sum[k];
      std::fill(&mean[g * gc], &mean[g * gc] + gc, s / count);
    }
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t p = 0; p < hw; ++p) {
      const float* row = xi + p * c;
      for (size_t k = 0; k < c; ++k) {
        const double dv = row[k] - mean[k];
        sum[k] += dv * dv;
      }
    }
    for (size_t g = 0; g < groups; ++g) {
      double ss = 0.0;
      for (size_t k = g * gc; k < (g + 1) * gc; ++k) ss += sum[k];
      const float mg = static_cast<float>(mean[g * gc]);
      const float rg = static_cast<float>(1.0 / std::sqrt(ss / count + kGroupNormEps));
      mean_out[b * groups + g] = mg;
      rstd_out[b * groups + g] = rg;
      std::fill(&m[g * gc], &m[g * gc] + gc, mg);
      std::fill(&r[g * gc], &r[g * gc] + gc, rg);
    }
    float* yi = y + b * hw * c;
    for (size_t p = 0; p < hw; ++p) {
      const float* row = xi + p * c;
      float* out = yi + p * c;
      for (size_t k = 0; k < c; ++k) out[k] = (row[k] - m[k]) * r[k] * gamma[k] + beta[k];
    }
    f32_silu(yi, act + b * hw * c, hw * c);  // while the image is in cache
  }
}

void GroupNormBackward(const float* x, const ImageDims& d, size_t groups, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dgamma,
                       float* dbeta, float* dx) {
  const size_t hw = d.h * d.w, c = d.c, gc = c / groups;
  const double count = static_cast<double>(hw * gc);
  for (size_t b = 0; b < d.n; ++b) {
    const float* xi = x + b * hw * c;
    const float* dyi = dy + b * hw * c;
    for (size_t g = 0; g < groups; ++g) {
      const float m = mean[b * groups + g], rs = rstd[b * groups + g];
      // With x̂ = (x - m) rstd and g = dy γ: dx = rstd (g - mean(g) - x̂ mean(g x̂)).
      double sum_g = 0.0, sum_gx = 0.0;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const float xhat = (xi[p * c + k] - m) * rs;
          const float dyv = dyi[p * c + k];
          if (dgamma != nullptr) dgamma[k] += dyv * xhat;
          if (dbeta != nullptr) dbeta[k] += dyv;
          const double gv = double(dyv) * gamma[k];
          sum_g += gv;
          sum_gx += gv * xhat;
        }
      }
      if (dx == nullptr) continue;
      const float mean_g = static_cast<float>(sum_g / count);
      const float mean_gx = static_cast<float>(sum_gx / count);
      float* dxi = dx + b * hw * c;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const float xhat = (xi[p * c + k] - m) * rs;
          dxi[p * c + k] = rs * (dyi[p * c + k] * gamma[k] - mean_g - xhat * mean_gx);
        }
      }
    }
  }
}

}  // namespace sw
