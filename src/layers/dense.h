// The dense layer y = x · W + b and SiLU, forward and backward. The forward pass is the dense
// kernel (kernels/dense.h) and f32_silu (DenseForward splits its rows over threads); the backward
// GEMMs also run in the dense kernel, on transposed copies, so training gets the same SIMD code as
// inference. Every sum runs in a fixed order: gradients are a function of the inputs alone.
// Conventions of every backward pass in layers/: dw / db (and dgamma / dbeta) are ADDED to; dx is
// OVERWRITTEN, and may be nullptr when the input's gradient is not needed.
#pragma once

#include <cstddef>
#include <vector>

#include "core/thread_pool.h"

namespace sw {

// Scratch of the backward passes, reused between calls (transposes, the weight gradient of one
// call, im2col patches, a convolution's mirrored weights).
struct GradScratch {
  std::vector<float> xt, wt, dw, cols, mirrored;
};

// A dense layer's tensors: w is in × out row-major (the transpose of PyTorch's Linear.weight), b
// has out values (or is nullptr: no bias).
struct DenseView {
  const float* w = nullptr;
  const float* b = nullptr;
  size_t in = 0, out = 0;
};

// y = x · W + b for x: rows × in (the dense kernel), the rows split over par's threads (the same
// bits on any number: a row's result depends on that row alone).
void DenseForward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                  const float* b, float* y, const Parallel& par = Parallel());

// Backward of y = x · W + b (x: rows × in, W: in × out): dW += xᵀ dy, db += Σ_rows dy, dx = dy Wᵀ.
void DenseBackward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                   const float* dy, float* dw, float* db, float* dx, GradScratch* s);

// dx = dy · SiLU'(pre), n values (dx may equal dy).
void SiluBackward(const float* pre, const float* dy, float* dx, size_t n);

}  // namespace sw
