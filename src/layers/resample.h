// Changes of resolution in the U-Net: 2×2 average pooling and nearest-neighbour 2× upsampling of
// image batches (layers/image_dims.h), forward and backward (dx overwritten).
#pragma once

#include "core/thread_pool.h"
#include "layers/image_dims.h"

namespace sw {

// The forward passes split their output rows over par's threads (each output is the same
// arithmetic on any split).

// 2×2 average pooling, stride 2: y is n × h/2 × w/2 × c (h and w even).
void AvgPool2(const float* x, const ImageDims& dims, float* y, const Parallel& par = Parallel());
// Backward of AvgPool2; dims: the pooled layer's input.
void AvgPool2Backward(const float* dy, const ImageDims& dims, float* dx);

// Nearest-neighbour 2× upsampling, plus `skip` (n × 2h × 2w × c, the U-Net's skip connection, in
// the same pass) when not nullptr: y is n × 2h × 2w × c.
void Upsample2(const float* x, const ImageDims& dims, float* y, const float* skip = nullptr,
               const Parallel& par = Parallel());
// Backward of Upsample2; dims: its input.
void Upsample2Backward(const float* dy, const ImageDims& dims, float* dx);

}  // namespace sw
