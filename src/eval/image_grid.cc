#include "eval/image_grid.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace sw {
namespace {

// Larger than any grid worth looking at, and small enough that no size computation overflows.
constexpr size_t kMaxSide = size_t{1} << 14;

uint8_t GrayLevel(float v) {
  if (!(v > 0.0f)) return 0;  // NaN and v <= 0
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(std::lround(v * 255.0f));
}

}  // namespace

Status MakeImageGrid(const float* images, size_t n, size_t height, size_t width,
                     const ImageGridOptions& options, RgbImage* out) {
  if (n == 0 || height == 0 || width == 0) {
    return InvalidArgument("image grid: needs n, height and width > 0");
  }
  if (options.scale == 0) return InvalidArgument("image grid: scale must be >= 1");
  // Checked step by step so that no product can overflow, even with a 32-bit size_t (WASM).
  const std::string too_large = "image grid: larger than 16384 pixels on a side";
  if (height > kMaxSide || width > kMaxSide || options.scale > kMaxSide ||
      options.padding > kMaxSide || n > kMaxSide * kMaxSide) {
    return InvalidArgument(too_large);
  }
  const size_t cell_w = width * options.scale, cell_h = height * options.scale;
  const size_t pad = options.padding;
  size_t columns = options.columns;
  if (columns == 0) {
    columns = static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    while (columns * columns < n) ++columns;  // guard against sqrt rounding down
  }
  columns = std::min(columns, n);
  const size_t rows = (n + columns - 1) / columns;
  if (cell_w > kMaxSide || cell_h > kMaxSide || columns > kMaxSide || rows > kMaxSide) {
    return InvalidArgument(too_large);
  }
  const size_t grid_w = columns * (cell_w + pad) + pad;
  const size_t grid_h = rows * (cell_h + pad) + pad;
  if (grid_w > kMaxSide || grid_h > kMaxSide) return InvalidArgument(too_large);
  RgbImage image;
  image.width = static_cast<int>(grid_w);
  image.height = static_cast<int>(grid_h);
  image.pixels.assign(grid_w * grid_h * 3, options.pad_value);
  for (size_t i = 0; i < n; ++i) {
    const size_t x0 = pad + (i % columns) * (cell_w + pad);
    const size_t y0 = pad + (i / columns) * (cell_h + pad);
    const float* src = images + i * height * width;
    for (size_t y = 0; y < cell_h; ++y) {
      const float* src_row = src + (y / options.scale) * width;
      uint8_t* dst = image.pixels.data() + ((y0 + y) * grid_w + x0) * 3;
      for (size_t x = 0; x < cell_w; ++x) {
        const uint8_t g = GrayLevel(src_row[x / options.scale]);
        dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = g;
      }
    }
  }
  *out = std::move(image);
  return Status::Ok();
}

}  // namespace sw
