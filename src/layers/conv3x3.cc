// The 3×3 convolution (the indirect-GEMM kernel forwards and for the input's gradient, im2col
// patches for the weight gradient) and the per-image channel bias (see conv3x3.h).
#include "layers/conv3x3.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/conv3x3.h"
#include "kernels/dense.h"
#include "layers/dense.h"

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

namespace {

// Packed panels of at least this many floats per task: smaller weights are packed on one thread,
// where a split would cost more in hand-offs than the copy.
constexpr size_t kMinPackFloatsPerTask = 32 * 1024;

// weight in f32_conv3x3's panels, in a buffer of the calling thread (the tasks of a split read it
// while the caller waits); the panels split over par's threads.
const float* PackedWeights(const float* weight, size_t c, size_t cout, const Parallel& par) {
  thread_local std::vector<float> buffer;
  const size_t panels = f32_conv3x3_panels(cout);
  buffer.resize(f32_conv3x3_packed_floats(c, cout));
  const size_t panel_floats = buffer.size() / panels;
  const size_t min_panels = (kMinPackFloatsPerTask + panel_floats - 1) / panel_floats;
  float* const packed = buffer.data();
  par.For(panels, min_panels, 1, [&](size_t first, size_t end) {
    f32_conv3x3_pack(weight, c, cout, first, end - first, packed);
  });
  return packed;
}

}  // namespace

std::vector<float> PackConv3x3Weights(const float* weight, size_t c, size_t cout) {
  std::vector<float> packed(f32_conv3x3_packed_floats(c, cout));
  f32_conv3x3_pack(weight, c, cout, 0, f32_conv3x3_panels(cout), packed.data());
  return packed;
}

void Conv3x3(const float* x, const ImageDims& d, const float* weight, const float* bias,
             size_t cout, float* y, const Parallel& par, const float* image_bias,
             const float* residual, const float* packed_weight) {
  const size_t hw = d.h * d.w, pixels = d.pixels();
  if (pixels == 0 || cout == 0) return;
  const float* packed =
      packed_weight != nullptr ? packed_weight : PackedWeights(weight, d.c, cout, par);
  // The parts are whole register-tile row blocks, four per thread, claimed as threads come free:
  // with one part per thread a thread slowed by a shared core stalls the other at every layer
  // (measured on one image, 2 threads in WASM, bench:peers mnist:1: 24-27 % of the peak with one
  // part per thread, 33 % with four). Parts of whole blocks keep the tiles full: one image at 7 × 7
  // is 49 pixels, which parts of 16 cut into tiles of 5, 5, 5 and 1 rows, and 2 threads into 32
  // against 17 pixels.
  const size_t rows = f32_conv3x3_row_block(), blocks = (pixels + rows - 1) / rows;
  par.For(blocks, 1, 4, [&](size_t block_begin, size_t block_end) {
    const size_t begin = block_begin * rows, end = std::min(pixels, block_end * rows);
    f32_conv3x3(x, d.n, d.h, d.w, d.c, packed, bias, y, cout, begin, end - begin);
    for (size_t p = begin; p < end; ++p) {
      float* yp = y + p * cout;
      if (image_bias != nullptr) {
        const float* v = image_bias + p / hw * cout;
        for (size_t o = 0; o < cout; ++o) yp[o] += v[o];
      }
      if (residual != nullptr) {
        const float* r = residual + p * cout;
        for (size_t o = 0; o < cout; ++o) yp[o] += r[o];
      }
    }
  });
}

void Conv3x3Backward(const float* x, const ImageDims& d, const float* w, size_t cout,
                     const float* dy, float* dw, float* db, float* dx, GradScratch* s) {
  const size_t c = d.c, k = 9 * c;
  if (dw != nullptr || db != nullptr) {
    // dW += patchesᵀ dy through the dense backward; the patches only serve the weight gradient.
    if (dw != nullptr) {
      s->cols.resize(d.pixels() * k);
      Im2col3x3(x, d, s->cols.data());
    }
    DenseBackward(s->cols.data(), d.pixels(), k, cout, w, dy, dw, db, nullptr, s);
  }
  if (dx != nullptr) {
    // dx[q, ci] = Σ over taps t and o of dy[q − offset(t), o] W[t c + ci, o]: the same 3 × 3
    // convolution, of dy, with the taps mirrored (offset(8 − t) = −offset(t)) and each tap's
    // c × cout block transposed, so it runs in the convolution kernel with no col2im.
    s->mirrored.resize(9 * cout * c);
    for (size_t t = 0; t < 9; ++t) {
      const float* tap = w + (8 - t) * c * cout;
      float* out = &s->mirrored[t * cout * c];
      for (size_t o = 0; o < cout; ++o) {
        for (size_t ci = 0; ci < c; ++ci) out[o * c + ci] = tap[ci * cout + o];
      }
    }
    f32_conv3x3(dy, d.n, d.h, d.w, cout, PackedWeights(s->mirrored.data(), cout, c, Parallel()),
                nullptr, dx, c, 0, d.pixels());
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
