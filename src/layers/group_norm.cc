// Group normalisation and its backward pass (see group_norm.h).
#include "layers/group_norm.h"

#include <cmath>

namespace sw {

void GroupNorm(const float* x, const ImageDims& d, size_t groups, const float* gamma,
               const float* beta, float* y, float* mean_out, float* rstd_out) {
  const size_t hw = d.h * d.w, c = d.c, gc = c / groups;
  const double count = static_cast<double>(hw * gc);
  for (size_t b = 0; b < d.n; ++b) {
    const float* xi = x + b * hw * c;
    float* yi = y + b * hw * c;
    for (size_t g = 0; g < groups; ++g) {
      // Two passes in double: the mean, then the centred sum of squares (no cancellation).
      double sum = 0.0;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) sum += xi[p * c + k];
      }
      const double mean = sum / count;
      double ss = 0.0;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          const double dv = xi[p * c + k] - mean;
          ss += dv * dv;
        }
      }
      const float m = static_cast<float>(mean);
      const float rstd = static_cast<float>(1.0 / std::sqrt(ss / count + kGroupNormEps));
      if (mean_out != nullptr) mean_out[b * groups + g] = m;
      if (rstd_out != nullptr) rstd_out[b * groups + g] = rstd;
      for (size_t p = 0; p < hw; ++p) {
        for (size_t k = g * gc; k < (g + 1) * gc; ++k) {
          yi[p * c + k] = (xi[p * c + k] - m) * rstd * gamma[k] + beta[k];
        }
      }
    }
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
