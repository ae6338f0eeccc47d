// Data movement and normalisation for image layers; the GEMMs are the dense kernel's.
#include "layers/image_ops.h"

#include <cmath>
#include <cstring>

#include "kernels/dense.h"

namespace sw {

void Im2col3x3(const float* x, const ImageDims& d, float* cols) {
  const size_t c = d.c, row = 9 * c;
  for (size_t b = 0; b < d.n; ++b) {
    const float* image = x + b * d.h * d.w * c;
    for (size_t y = 0; y < d.h; ++y) {
      for (size_t xx = 0; xx < d.w; ++xx) {
        float* patch = cols + ((b * d.h + y) * d.w + xx) * row;
        for (size_t ky = 0; ky < 3; ++ky) {
          const bool row_inside = y + ky >= 1 && y + ky - 1 < d.h;
          for (size_t kx = 0; kx < 3; ++kx) {
            float* dst = patch + (ky * 3 + kx) * c;
            if (row_inside && xx + kx >= 1 && xx + kx - 1 < d.w) {
              std::memcpy(dst, image + ((y + ky - 1) * d.w + (xx + kx - 1)) * c, c * sizeof(float));
            } else {
              std::memset(dst, 0, c * sizeof(float));
            }
          }
        }
      }
    }
  }
}

void Conv3x3(const float* x, const ImageDims& d, const float* weight, const float* bias,
             size_t cout, float* cols, float* y) {
  Im2col3x3(x, d, cols);
  f32_dense(cols, weight, bias, y, d.pixels(), 9 * d.c, cout, Activation::kNone);
}

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

void AvgPool2(const float* x, const ImageDims& d, float* y) {
  const size_t ho = d.h / 2, wo = d.w / 2, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    for (size_t yy = 0; yy < ho; ++yy) {
      for (size_t xx = 0; xx < wo; ++xx) {
        const float* p00 = x + ((b * d.h + 2 * yy) * d.w + 2 * xx) * c;
        const float* p10 = p00 + d.w * c;
        float* out = y + ((b * ho + yy) * wo + xx) * c;
        for (size_t k = 0; k < c; ++k) {
          out[k] = 0.25f * ((p00[k] + p00[c + k]) + (p10[k] + p10[c + k]));
        }
      }
    }
  }
}

void Upsample2(const float* x, const ImageDims& d, float* y) {
  const size_t wo = 2 * d.w, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    for (size_t yy = 0; yy < 2 * d.h; ++yy) {
      for (size_t xx = 0; xx < wo; ++xx) {
        const float* src = x + ((b * d.h + yy / 2) * d.w + xx / 2) * c;
        std::memcpy(y + ((b * 2 * d.h + yy) * wo + xx) * c, src, c * sizeof(float));
      }
    }
  }
}

void AddChannelBias(const float* x, const ImageDims& d, const float* v, float* y) {
  const size_t hw = d.h * d.w, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    const float* vb = v + b * c;
    for (size_t p = 0; p < hw; ++p) {
      const size_t o = (b * hw + p) * c;
      for (size_t k = 0; k < c; ++k) y[o + k] = x[o + k] + vb[k];
    }
  }
}

}  // namespace sw
