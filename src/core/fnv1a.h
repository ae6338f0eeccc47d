// FNV-1a, 64-bit, over bytes: a fingerprint for noticing changed data (a checkpoint resumed on
// other data, a sample whose bits moved), not a cryptographic hash.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sw {

inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;

// Continues the hash `h` over bytes[0..size).
inline uint64_t Fnv1a64(const void* bytes, size_t size, uint64_t h = kFnv1aOffset) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace sw
