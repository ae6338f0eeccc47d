// Changes of resolution in the U-Net: 2×2 average pooling and nearest-neighbour 2× upsampling of
// image batches (layers/image_dims.h), forward and backward (dx overwritten).
#pragma once

#include "layers/image_dims.h"

namespace sw {

// 2×2 average pooling, stride 2: y is n × h/2 × w/2 × c (h and w even).
void AvgPool2(const float* x, const ImageDims& dims, float* y);
// Backward of AvgPool2; dims: the pooled layer's input.
void AvgPool2Backward(const float* dy, const ImageDims& dims, float* dx);

// Nearest-neighbour 2× upsampling: y is n × 2h × 2w × c.
void Upsample2(const float* x, const ImageDims& dims, float* y);
// Backward of Upsample2; dims: its input.
void Upsample2Backward(const float* dy, const ImageDims& dims, float* dx);

}  // namespace sw
