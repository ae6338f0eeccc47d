// The 3×3 "same" convolution (stride 1, zero padding) over image batches (layers/image_dims.h):
// forwards the indirect-GEMM kernel (kernels/conv3x3.h), which gives im2col's bits without its
// copy; backwards the same kernel for the input's gradient (a convolution of dy with the mirrored
// weights) and im2col patches times the dense kernel's backward for the weight gradient. And the
// per-image channel bias through which the σ embedding enters a residual block. Backward passes
// follow layers/dense.h's conventions.
#pragma once

#include <cstddef>
#include <vector>

#include "core/thread_pool.h"
#include "layers/dense.h"
#include "layers/image_dims.h"

namespace sw {

// The 3×3 patches of x with zero padding: cols is (n h w) × (9 c), the patch of pixel p ordered
// (ky, kx, channel) with ky, kx in 0..2 for the offsets -1..1. cols must not overlap x.
void Im2col3x3(const float* x, const ImageDims& dims, float* cols);

// y[(n h w) × cout] = conv3x3(x) + bias, with weight (9 c) × cout in Im2col3x3's patch order
// (PyTorch's Conv2d weight [cout, c, 3, 3] permuted to [3, 3, c, cout]). bias may be nullptr.
// The pixels are split over par's threads (the same bits on any number). The residual block's
// epilogue follows on each thread's pixels while they are in cache: then y += image_bias[b, ch]
// (n × cout, the σ embedding's projection: a per-image, per-channel bias) and then y +=
// residual (pixels × cout), each when not nullptr. packed_weight, when not nullptr, is weight
// already in the kernel's panels (PackConv3x3Weights), kept by a caller whose weights do not
// change between calls; otherwise weight is packed at each call.
void Conv3x3(const float* x, const ImageDims& dims, const float* weight, const float* bias,
             size_t cout, float* y, const Parallel& par = Parallel(),
             const float* image_bias = nullptr, const float* residual = nullptr,
             const float* packed_weight = nullptr);

// weight ((9 c) × cout, as Conv3x3 takes it) in f32_conv3x3's panels for this machine: Conv3x3's
// packed_weight. A copy: the results are the same bits with it or without.
std::vector<float> PackConv3x3Weights(const float* weight, size_t c, size_t cout);

// Backward of Conv3x3 (dims: its input x; dy: pixels × cout). x is read only for dw.
void Conv3x3Backward(const float* x, const ImageDims& dims, const float* w, size_t cout,
                     const float* dy, float* dw, float* db, float* dx, GradScratch* s);

// Backward of Conv3x3's image_bias: dv[b, ch] = Σ_pixels dy[b, pixel, ch] (overwritten; the
// gradient with respect to the convolution's output is dy itself).
void ChannelBiasBackward(const float* dy, const ImageDims& dims, float* dv);

}  // namespace sw
