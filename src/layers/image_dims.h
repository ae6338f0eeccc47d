// The memory layout of image batches for the convolutional layers: NHWC, row-major. Pixel (b, y, x)
// of an n × h × w image batch with c channels holds its c values at offset ((b h + y) w + x) c, so
// a batch is an (n h w) × c matrix and a 1×1 convolution is one dense layer (layers/dense.h) over
// it.
//
// Determinism, for every image layer: each output depends on its own image alone, in a fixed order
// of operations, so a batch split into any chunks gives the same bits.
#pragma once

#include <cstddef>

namespace sw {

struct ImageDims {
  size_t n = 0, h = 0, w = 0, c = 0;  // images, height, width, channels
  size_t pixels() const { return n * h * w; }
  size_t size() const { return n * h * w * c; }
};

}  // namespace sw
