// Shared by the fuzz targets: contract checks that abort (libFuzzer then saves the input as a
// crash-* file), and a reader that decodes option values from fuzz bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/status.h"

// A broken promise of the API under test (not a sanitizer report): print it and abort, so that
// libFuzzer records the input like any crash.
#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                   \
      std::fprintf(stderr, "\n");                                                          \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

// Something worth reporting that does not break a documented promise: printed once per call
// site and per process (grep the logs for FUZZ_NOTE), and fuzzing goes on.
#define FUZZ_NOTE(cond, ...)                                                       \
  do {                                                                             \
    static bool fuzz_noted_ = false;                                               \
    if (!(cond) && !fuzz_noted_) {                                                 \
      fuzz_noted_ = true;                                                          \
      std::fprintf(stderr, "FUZZ_NOTE at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                           \
      std::fprintf(stderr, "\n");                                                  \
    }                                                                              \
  } while (0)

namespace sw_fuzz {

// Error messages are cut (ShortenForMessage, QuoteForMessage, Excerpt) because the names and
// values of a hostile file can be megabytes long; a few quoted pieces and nlohmann's 300-byte
// parse message fit well inside this.
inline constexpr size_t kMaxMessageBytes = 2048;

inline void CheckMessage(const sw::Status& status) {
  FUZZ_CHECK(!status.message().empty(), "an error status without a message (code %s)",
             sw::StatusCodeName(status.code()));
  FUZZ_CHECK(status.message().size() <= kMaxMessageBytes,
             "error message of %zu bytes (untrusted text copied uncapped?): %.200s...",
             status.message().size(), status.message().c_str());
}

// Reads values from the front of a byte string; past its end every value reads as zero, so any
// input decodes to something.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{U8()} << (8 * i);
    return v;
  }
  uint64_t U64() { return uint64_t{U32()} | (uint64_t{U32()} << 32); }
  int32_t I32() {
    const uint32_t u = U32();
    int32_t v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }
  // Mostly "nice" numbers (a small integer over a power of two, as options usually are), sometimes
  // any bit pattern (NaN, Inf, subnormals, huge values). The tag byte picks which.
  float Float() {
    const uint8_t tag = U8();
    if (tag & 1) {
      const uint32_t bits = U32();
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return f;
    }
    const int8_t small = static_cast<int8_t>(U8());
    return static_cast<float>(small) / static_cast<float>(1u << ((tag >> 1) & 15));
  }
  bool empty() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace sw_fuzz
