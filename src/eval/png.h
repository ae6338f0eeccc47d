// Writes 8-bit RGB images as PNG files (zlib for the compressed stream and the CRCs), for sample
// grids and scatter plots from the native tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // height rows of width × 3 bytes (R, G, B)
};

// Encodes `image` as PNG (INVALID_ARGUMENT when the pixel count does not match the size).
Status EncodePng(const RgbImage& image, std::vector<uint8_t>* out);

// EncodePng, then writes the file (IO_ERROR naming the path on failure).
Status WritePng(const std::string& path, const RgbImage& image);

}  // namespace sw
