// Group normalisation of each image (Wu & He 2018), forward and backward (layers/dense.h's
// conventions). Per image, so it behaves the same at batch size 1 and a sample's score never
// depends on its batch.
#pragma once

#include <cstddef>

#include "core/thread_pool.h"
#include "layers/image_dims.h"

namespace sw {

// The architecture's ε in 1 / sqrt(var + ε).
constexpr float kGroupNormEps = 1e-5f;

// The c channels fall into `groups` groups of c / groups consecutive channels; each (image, group)
// is normalised by the mean and variance of its h w c / groups values, then y = gamma[ch] x̂ +
// beta[ch], and act = SiLU(y) (every normalisation of the U-Net feeds a SiLU; writing both in one
// pass saves a pass over memory, and the backward pass needs y). mean and rstd (n × groups each,
// 1 / sqrt(var + kGroupNormEps)) are written for the backward pass. c must be a multiple of
// groups; y and act must not overlap x or each other. The statistics are split over par's threads
// by images and groups, the normalisation by pixels (the same bits on any number).
//
// The statistics are summed in double, per channel over the pixels (channels in blocks held in
// registers, a loop the compiler vectorises across them), then over the group's channels: a fixed
// order, so the result is the same at any batch size and on every target.
void GroupNormSilu(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
                   const float* beta, float* y, float* act, float* mean, float* rstd,
                   const Parallel& par = Parallel());

// Backward of GroupNorm given its input x and the mean / rstd it wrote.
void GroupNormBackward(const float* x, const ImageDims& dims, size_t groups, const float* gamma,
                       const float* mean, const float* rstd, const float* dy, float* dgamma,
                       float* dbeta, float* dx);

}  // namespace sw
