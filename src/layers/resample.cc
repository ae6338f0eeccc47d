// 2×2 average pooling and nearest-neighbour upsampling, forward and backward (see resample.h).
#include "layers/resample.h"

#include <algorithm>

namespace sw {

namespace {

// Output rows (of all images) per task: some thousands of values, so that a split pays off.
size_t MinRowsPerTask(size_t row_values) { return std::max<size_t>(1, 4096 / row_values); }

}  // namespace

void AvgPool2(const float* x, const ImageDims& d, float* y, const Parallel& par) {
  const size_t ho = d.h / 2, wo = d.w / 2, c = d.c;
  par.For(d.n * ho, MinRowsPerTask(wo * c), 1, [&](size_t row_begin, size_t row_end) {
    for (size_t row = row_begin; row < row_end; ++row) {  // row = b ho + yy
      const size_t b = row / ho, yy = row % ho;
      for (size_t xx = 0; xx < wo; ++xx) {
        const float* p00 = x + ((b * d.h + 2 * yy) * d.w + 2 * xx) * c;
        const float* p10 = p00 + d.w * c;
        float* out = y + (row * wo + xx) * c;
        for (size_t k = 0; k < c; ++k) {
          out[k] = 0.25f * ((p00[k] + p00[c + k]) + (p10[k] + p10[c + k]));
        }
      }
    }
  });
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

void Upsample2(const float* x, const ImageDims& d, float* y, const float* skip,
               const Parallel& par) {
  const size_t wo = 2 * d.w, c = d.c;
  par.For(d.n * 2 * d.h, MinRowsPerTask(wo * c), 1, [&](size_t row_begin, size_t row_end) {
    for (size_t row = row_begin; row < row_end; ++row) {  // row = b 2h + yy
      const float* src = x + row / 2 * d.w * c;           // input row (b h + yy / 2)
      float* out = y + row * wo * c;
      if (skip == nullptr) {
        for (size_t xx = 0; xx < wo; ++xx) std::copy_n(src + xx / 2 * c, c, out + xx * c);
        continue;
      }
      const float* s = skip + row * wo * c;
      for (size_t xx = 0; xx < wo; ++xx) {
        const float* v = src + xx / 2 * c;
        for (size_t k = 0; k < c; ++k) out[xx * c + k] = v[k] + s[xx * c + k];
      }
    }
  });
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

}  // namespace sw
