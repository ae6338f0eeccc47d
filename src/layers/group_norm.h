// Group normalisation of each image (Wu & He 2018), forward and backward (layers/dense.h's
// conventions). Per image, so it behaves the same at batch size 1 and a sample's score never
// depends on its batch.
#pragma once

#include <cstddef>

#include "layers/image_dims.h"

namespace sw {

// The architecture's ε in 1 / sqrt(var + ε).
constexpr float kGroupNormEps = 1e-5f;

// The c channels fall into `groups` groups of c / groups consecutive channels; each (image, group)
// is normalised by the mean and variance of its h w c / groups values, then y = gamma[ch] x̂ +
// beta[ch]. mean and rstd (n × groups each, 1 / sqrt(var + kGroupNormEps)) are written for the
// backward pass and may be nullptr. c must be a multiple of groups. y may equal x.
void GroupNorm(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
               const float* beta, float* y, float* mean, float* rstd);

// Backward of GroupNorm given its input x and the mean / rstd it wrote.
void GroupNormBackward(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dgamma,
                       float* dbeta, float* dx);

}  // namespace sw
