// The dense layer's row-parallel forward and its backward pass (see dense.h).
#include "layers/dense.h"

#include <algorithm>
#include <cmath>

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

void DenseForward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                  const float* b, float* y, const Parallel& par) {
  par.For(rows, 16, 1, [&](size_t begin, size_t end) {
    f32_dense(x + begin * in, w, b, y + begin * out, end - begin, in, out, Activation::kNone);
  });
}

void DenseBackward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                   const float* dy, float* dw, float* db, float* dx, GradScratch* s) {
  if (rows == 0) return;
  if (dw != nullptr) {
    Transpose(x, rows, in, &s->xt);
    s->dw.resize(in * out);
    f32_dense(s->xt.data(), dy, nullptr, s->dw.data(), in, rows, out, Activation::kNone);
    for (size_t i = 0; i < in * out; ++i) dw[i] += s->dw[i];
  }
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

void SiluBackward(const float* pre, const float* dy, float* dx, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    // SiLU'(z) = sig(z) (1 + z (1 - sig(z))); exp overflow for very negative z gives 0.
    const float sig = 1.0f / (1.0f + std::exp(-pre[i]));
    dx[i] = dy[i] * (sig * (1.0f + pre[i] * (1.0f - sig)));
  }
}

}  // namespace sw
