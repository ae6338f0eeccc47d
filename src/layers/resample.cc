// 2×2 average pooling and nearest-neighbour upsampling, forward and backward (see resample.h).
#include "layers/resample.h"

#include <cstring>

namespace sw {

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
