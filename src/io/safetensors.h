// Reader and writer of the .safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian tensor bytes. Every offset, size, dtype and shape is checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace sw {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;  // converted to f32 on read (files may store F32 or F16)
};

// A shape as error messages print it: "[784, 256]".
std::string ShapeText(const std::vector<int64_t>& shape);

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::vector<Tensor> tensors;  // in the order of their data offsets

  // The tensor called `name`, or nullptr.
  const Tensor* Find(const std::string& name) const;
};

// Parses bytes[0..size). On error `out` is left unchanged and the status says what was wrong
// (INVALID_MODEL): truncated file, bad JSON, overlapping or out-of-range offsets, unknown dtype,
// shape/size mismatch, non-finite values.
Status ReadSafetensors(const uint8_t* bytes, size_t size, SafetensorsFile* out);

// Serialises `file` with every tensor stored as F32 (or F16 when store_f16 is true).
Status WriteSafetensors(const SafetensorsFile& file, bool store_f16, std::vector<uint8_t>* out);

// Whole-file helpers for native tools and tests (IO_ERROR when the file cannot be read/written).
// WriteFileBytes writes `path`.partial and renames it over `path`: the old file stays whole until
// the new one is complete.
Status ReadFileBytes(const std::string& path, std::vector<uint8_t>* out);
Status WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace sw
