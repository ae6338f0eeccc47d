// Plain scalar reference implementations of the kernels, for tests and benchmarks only: written
// for obviousness, not speed. Same contracts as kernels/dense.h, kernels/conv3x3.h and
// kernels/elementwise.h.
#pragma once

#include <cmath>
#include <cstddef>

#include "kernels/dense.h"

namespace sw {
namespace reference {

// SiLU computed in double and rounded once: the accurate value the SIMD kernel is held to.
// Limits at the infinities: silu(+inf) = +inf, silu(-inf) = 0.
inline float silu(float x) {
  if (std::isinf(x)) return x > 0 ? x : 0.0f;
  const double xd = x;
  return static_cast<float>(xd / (1.0 + std::exp(-xd)));
}

// y = act(x · W + b) as in sw::f32_dense, accumulating each element over i in increasing order
// from the bias (the same order as the SIMD kernel, which may fuse multiply and add).
inline void dense(const float* x, const float* w, const float* bias, float* y, size_t batch,
                  size_t in, size_t out, Activation act) {
  for (size_t b = 0; b < batch; ++b) {
    float* yb = y + b * out;
    for (size_t o = 0; o < out; ++o) yb[o] = bias ? bias[o] : 0.0f;
    for (size_t i = 0; i < in; ++i) {
      const float xi = x[b * in + i];
      const float* wi = w + i * out;
      for (size_t o = 0; o < out; ++o) yb[o] += xi * wi[o];
    }
    if (act == Activation::kSilu) {
      for (size_t o = 0; o < out; ++o) yb[o] = silu(yb[o]);
    }
  }
}

// The 3 × 3 same convolution of sw::f32_conv3x3 as direct loops, accumulating each element over
// (tap, channel) in increasing order from the bias and skipping the taps outside the image.
inline void conv3x3(const float* x, size_t images, size_t height, size_t width, size_t channels,
                    const float* w, const float* bias, float* y, size_t cout) {
  for (size_t n = 0; n < images; ++n) {
    for (size_t py = 0; py < height; ++py) {
      for (size_t px = 0; px < width; ++px) {
        float* yp = y + ((n * height + py) * width + px) * cout;
        for (size_t o = 0; o < cout; ++o) yp[o] = bias ? bias[o] : 0.0f;
        for (size_t t = 0; t < 9; ++t) {
          const size_t sy = py + t / 3, sx = px + t % 3;  // the tap's pixel, plus 1
          if (sy < 1 || sy > height || sx < 1 || sx > width) continue;
          const float* xp = x + ((n * height + sy - 1) * width + sx - 1) * channels;
          for (size_t ch = 0; ch < channels; ++ch) {
            const float* wk = w + (t * channels + ch) * cout;
            for (size_t o = 0; o < cout; ++o) yp[o] += xp[ch] * wk[o];
          }
        }
      }
    }
  }
}

// y[i] = silu(x[i]).
inline void silu(const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = silu(x[i]);
}

// y[i] = a * x[i].
inline void scale(const float* x, float a, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = a * x[i];
}

// x[i] += a * s[i] + b * z[i].
inline void langevin_update(float* x, const float* s, const float* z, float a, float b, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] += a * s[i] + b * z[i];
}

}  // namespace reference
}  // namespace sw
