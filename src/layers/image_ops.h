// Forward operations on batches of images for convolutional networks (the U-Net), shared by
// inference and training. Layout: NHWC, row-major: pixel (b, y, x) of an n × h × w image batch with
// c channels holds its c values at offset ((b h + y) w + x) c. So a batch of images is an
// (n h w) × c matrix, and a 1×1 convolution or a 3×3 convolution over im2col patches is one call of
// the dense GEMM kernel (kernels/dense.h): the arithmetic runs in the Highway kernel, and these
// functions only move data.
//
// Determinism: every output depends on its own image alone, in a fixed order of operations, so a
// batch split into any chunks gives the same bits.
#pragma once

#include <cstddef>

namespace sw {

struct ImageDims {
  size_t n = 0, h = 0, w = 0, c = 0;  // images, height, width, channels
  size_t pixels() const { return n * h * w; }
  size_t size() const { return n * h * w * c; }
};

// The 3×3 patches of x with zero padding ("same" convolution, stride 1): cols is
// (n h w) × (9 c), the patch of pixel p ordered (ky, kx, channel) with ky, kx in 0..2 for the
// offsets -1..1. cols must not overlap x.
void Im2col3x3(const float* x, const ImageDims& dims, float* cols);

// y[(n h w) × cout] = conv3x3(x) + bias, with weight (9 c) × cout in Im2col3x3's patch order
// (PyTorch's Conv2d weight [cout, c, 3, 3] permuted to [3, 3, c, cout]). cols is scratch of
// dims.pixels() × 9 c floats. bias may be nullptr.
void Conv3x3(const float* x, const ImageDims& dims, const float* weight, const float* bias,
             size_t cout, float* cols, float* y);

// Group normalisation of each image (Wu & He 2018): the c channels fall into `groups` groups of
// c / groups consecutive channels; each (image, group) is normalised by the mean and variance of
// its h w c / groups values, then y = gamma[ch] x̂ + beta[ch]. Per image, so it behaves the same at
// batch size 1. mean and rstd (n × groups each, 1 / sqrt(var + kGroupNormEps)) are written for the
// backward pass and may be nullptr. c must be a multiple of groups. y may equal x.
constexpr float kGroupNormEps = 1e-5f;
void GroupNorm(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
               const float* beta, float* y, float* mean, float* rstd);

// 2×2 average pooling, stride 2: y is n × h/2 × w/2 × c (h and w even).
void AvgPool2(const float* x, const ImageDims& dims, float* y);

// Nearest-neighbour 2× upsampling: y is n × 2h × 2w × c.
void Upsample2(const float* x, const ImageDims& dims, float* y);

// y[b, pixel, ch] = x[b, pixel, ch] + v[b, ch]: a per-image, per-channel bias (the σ embedding's
// projection). y may equal x.
void AddChannelBias(const float* x, const ImageDims& dims, const float* v, float* y);

}  // namespace sw
