// Backward passes of the image layers (layers/image_ops.h) and of the dense layer, for training
// the U-Net. The GEMMs run in the dense kernel (kernels/dense.h) on transposed copies, so the
// backward pass gets the same SIMD code as the forward pass. Every sum runs in a fixed order:
// gradients are a function of the inputs alone.
// Conventions: dw / db (and dgamma / dbeta) are ADDED to; dx is OVERWRITTEN, and may be nullptr
// when the input's gradient is not needed.
#pragma once

#include <cstddef>
#include <vector>

#include "layers/image_ops.h"

namespace sw {

// Scratch reused between calls (transposes, the weight gradient of one call, im2col patches).
struct GradScratch {
  std::vector<float> xt, wt, dw, cols, dcols;
};

// Backward of y = x · W + b (x: rows × in, W: in × out): dW += xᵀ dy, db += Σ_rows dy (db may be
// nullptr), dx = dy Wᵀ.
void DenseBackward(const float* x, size_t rows, size_t in, size_t out, const float* w,
                   const float* dy, float* dw, float* db, float* dx, GradScratch* s);

// Backward of Conv3x3 (dims: its input x; dy: pixels × cout).
void Conv3x3Backward(const float* x, const ImageDims& dims, const float* w, size_t cout,
                     const float* dy, float* dw, float* db, float* dx, GradScratch* s);

// dx = the sum, over every patch entry, of dcols scattered back onto the pixel it was copied from
// (the adjoint of Im2col3x3).
void Col2im3x3(const float* dcols, const ImageDims& dims, float* dx);

// Backward of GroupNorm given its input x and the mean / rstd it wrote.
void GroupNormBackward(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dgamma,
                       float* dbeta, float* dx);

// dx = dy · SiLU'(pre), n values (dx may equal dy).
void SiluBackward(const float* pre, const float* dy, float* dx, size_t n);

// Backward of AvgPool2 (dims: the pooled layer's input) and of Upsample2 (dims: its input).
void AvgPool2Backward(const float* dy, const ImageDims& dims, float* dx);
void Upsample2Backward(const float* dy, const ImageDims& dims, float* dx);

// Backward of AddChannelBias with respect to the bias: dv[b, ch] = Σ_pixels dy[b, pixel, ch].
void ChannelBiasBackward(const float* dy, const ImageDims& dims, float* dv);

}  // namespace sw
