#include "eval/png.h"

#include <zlib.h>

#include "io/safetensors.h"

namespace sw {

namespace {

void PutU32(uint32_t v, std::vector<uint8_t>* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(v >> shift));
}

// A chunk: length, type, data, CRC-32 of type and data.
void PutChunk(const char type[4], const std::vector<uint8_t>& data, std::vector<uint8_t>* out) {
  PutU32(static_cast<uint32_t>(data.size()), out);
  const size_t start = out->size();
  out->insert(out->end(), type, type + 4);
  out->insert(out->end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out->data() + start, static_cast<uInt>(out->size() - start));
  PutU32(static_cast<uint32_t>(crc), out);
}

}  // namespace

Status EncodePng(const RgbImage& image, std::vector<uint8_t>* out) {
  if (image.width <= 0 || image.height <= 0 || image.width > (1 << 15) ||
      image.height > (1 << 15) || image.pixels.size() != size_t(image.width) * image.height * 3) {
    return InvalidArgument(
        "an image needs 1 to 32768 pixels per side and width × height × 3 bytes");
  }
  // Raw scanlines, each led by filter type 0 (none).
  const size_t row = size_t(image.width) * 3;
  std::vector<uint8_t> raw;
  raw.reserve((row + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), image.pixels.begin() + y * row, image.pixels.begin() + (y + 1) * row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 9) !=
      Z_OK) {
    return Status(StatusCode::kInternal, "zlib could not compress the image");
  }
  packed.resize(packed_size);

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> header;
  PutU32(static_cast<uint32_t>(image.width), &header);
  PutU32(static_cast<uint32_t>(image.height), &header);
  header.insert(header.end(), {8, 2, 0, 0, 0});  // 8 bits, RGB, deflate, no filter, no interlace
  PutChunk("IHDR", header, &png);
  PutChunk("IDAT", packed, &png);
  PutChunk("IEND", {}, &png);
  *out = std::move(png);
  return Status::Ok();
}

Status WritePng(const std::string& path, const RgbImage& image) {
  std::vector<uint8_t> bytes;
  SW_RETURN_IF_ERROR(EncodePng(image, &bytes));
  return WriteFileBytes(path, bytes);
}

}  // namespace sw
