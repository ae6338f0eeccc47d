// Backward passes of the image and dense layers (see image_ops_grad.h).
#include "train/image_ops_grad.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dense.h"

namespace sw {
namespace {

// out (cols × rows) = inᵀ for in (rows × cols).
void Transpose(const float* in, size_t rows, size_t cols, std::vector<float>* out) {
  out->resize(rows * cols);
  float* o = out->data();
  // Blocks of 16 × 16 keep both sides in cache lines.
  constexpr size_t kBlock = 16;
  for (size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const size_t r1 = std::min(rows, r0 + kBlock);
    for (size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const size_t c1 = std::min(cols, c0 + kBlock);
      for (size_t r = r0; r < r1; ++r) {
        for (size_t c = c0; c < c1; ++c) o[c * rows + r] = in[r * cols + c];
      }
    }
  }
}

}  // namespace

void DenseBackward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                   const float* dy, float* dw, float* db, float* dx, GradScratch* s) {
  if (rows == 0) return;
  Transpose(x, rows, in, &s->xt);
  s->dw.resize(in * out);
  f32_dense(s->xt.data(), dy, nullptr, s->dw.data(), in, rows, out, Activation::kNone);
  for (size_t i = 0; i < in * out; ++i) dw[i] += s->dw[i];
  if (db != nullptr) {
    for (size_t r = 0; r < rows; ++r) {
      for (size_t o = 0; o < out; ++o) db[o] += dy[r * out + o];
    }
  }
  if (dx != nullptr) {
    Transpose(w, in, out, &s->wt);
    f32_dense(dy, s->wt.data(), nullptr, dx, rows, out, in, Activation::kNone);
  }
}

void Conv3x3Backward(const float* x, const ImageDims& d, const float* w, size_t cout,
                     const float* dy, float* dw, float* db, float* dx, GradScratch* s) {
  const size_t k = 9 * d.c;
  s->cols.resize(d.pixels() * k);
  Im2col3x3(x, d, s->cols.data());
  float* dcols = nullptr;
  if (dx != nullptr) {
    s->dcols.resize(d.pixels() * k);
    dcols = s->dcols.data();
  }
  DenseBackward(s->cols.data(), d.pixels(), k, cout, w, dy, dw, db, dcols, s);
  if (dx != nullptr) Col2im3x3(dcols, d, dx);
}

void Col2im3x3(const float* dcols, const ImageDims& d, float* dx) {
  const size_t c = d.c, row = 9 * c;
  std::memset(dx, 0, d.size() * sizeof(float));
  for (size_t b = 0; b < d.n; ++b) {
    float* image = dx + b * d.h * d.w * c;
    for (size_t y = 0; y < d.h; ++y) {
      for (size_t xx = 0; xx < d.w; ++xx) {
        const float* patch = dcols + ((b * d.h + y) * d.w + xx) * row;
        for (size_t ky = 0; ky < 3; ++ky) {
          if (y + ky < 1 || y + ky - 1 >= d.h) continue;
          for (size_t kx = 0; kx < 3; ++kx) {
            if (xx + kx < 1 || xx + kx - 1 >= d.w) continue;
            float* dst = image + ((y + ky - 1) * d.w + (xx + kx - 1)) * c;
            const float* src = patch + (ky * 3 + kx) * c;
            for (size_t k = 0; k < c; ++k) dst[k] += src[k];
          }
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
          dgamma[k] += dyv * xhat;
          dbeta[k] += dyv;
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

void SiluBackward(const float* pre, const float* dy, float* dx, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    // SiLU'(z) = sig(z) (1 + z (1 - sig(z))); exp overflow for very negative z gives 0.
    const float sig = 1.0f / (1.0f + std::exp(-pre[i]));
    dx[i] = dy[i] * (sig * (1.0f + pre[i] * (1.0f - sig)));
  }
}

void AvgPool2Backward(const float* dy, const ImageDims& d, float* dx) {
  const size_t ho = d.h / 2, wo = d.w / 2, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    for (size_t y = 0; y < d.h; ++y) {
      for (size_t xx = 0; xx < d.w; ++xx) {
        const float* src = dy + ((b * ho + y / 2) * wo + xx / 2) * c;
        float* dst = dx + ((b * d.h + y) * d.w + xx) * c;
        for (size_t k = 0; k < c; ++k) dst[k] = 0.25f * src[k];
      }
    }
  }
}

void Upsample2Backward(const float* dy, const ImageDims& d, float* dx) {
  const size_t wo = 2 * d.w, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    for (size_t y = 0; y < d.h; ++y) {
      for (size_t xx = 0; xx < d.w; ++xx) {
        const float* p00 = dy + ((b * 2 * d.h + 2 * y) * wo + 2 * xx) * c;
        const float* p10 = p00 + wo * c;
        float* dst = dx + ((b * d.h + y) * d.w + xx) * c;
        for (size_t k = 0; k < c; ++k) dst[k] = (p00[k] + p00[c + k]) + (p10[k] + p10[c + k]);
      }
    }
  }
}

void ChannelBiasBackward(const float* dy, const ImageDims& d, float* dv) {
  const size_t hw = d.h * d.w, c = d.c;
  for (size_t b = 0; b < d.n; ++b) {
    float* v = dv + b * c;
    std::memset(v, 0, c * sizeof(float));
    for (size_t p = 0; p < hw; ++p) {
      const float* row = dy + (b * hw + p) * c;
      for (size_t k = 0; k < c; ++k) v[k] += row[k];
    }
  }
}

}  // namespace sw
