// Lays out grayscale images (generated samples, data set examples) as one grid picture. Kept apart
// from png.cc, which needs zlib and is native-only: this part also serves the WASM build (png.h is
// included for the RgbImage struct alone).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "eval/png.h"

namespace sw {

struct ImageGridOptions {
  size_t columns = 0;       // images per row; 0 = ceil(sqrt(n))
  size_t padding = 2;       // pixels between images and around the grid
  size_t scale = 1;         // each image pixel becomes scale × scale grid pixels, >= 1
  uint8_t pad_value = 128;  // gray level of the padding and of empty cells (mid-gray: visible
                            // against both black and white backgrounds)
};

// images: n images of height × width values, row-major, one after the other; a value v becomes
// the gray level round(255 · clamp(v, 0, 1)), NaN → 0. Image i goes to row i / columns and column
// i % columns; its top-left pixel is at x = padding + column (width · scale + padding),
// y = padding + row (height · scale + padding). INVALID_ARGUMENT when n, height, width or scale is
// 0, or the grid would be larger than 2^14 pixels on a side.
Status MakeImageGrid(const float* images, size_t n, size_t height, size_t width,
                     const ImageGridOptions& options, RgbImage* out);

}  // namespace sw
