// The working memory a single call may use (activations, sampler state: everything beyond the
// weights and the caller's own arrays), and the check that keeps a call within it.
//
// A model file can describe a network whose activations need gigabytes (a 2048 × 2048 image is a
// 22 KB config); in a 32-bit WebAssembly heap that is an abort, not a bad_alloc. So every model
// states its working memory at load time, and every call adds up what it would allocate and
// fails with OUT_OF_MEMORY before allocating anything.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace sw {

// Half of the 2 GiB a 32-bit WebAssembly module may grow to (the rest holds the weights and the
// caller's arrays); natively far above anything this library's networks need.
inline constexpr uint64_t kWorkingMemoryBudgetBytes =
    sizeof(void*) == 4 ? (uint64_t{1} << 30) : (uint64_t{16} << 30);

// a × b, saturating at UINT64_MAX (sizes read from files are multiplied before they are checked).
inline uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  return (a != 0 && b > UINT64_MAX / a) ? UINT64_MAX : a * b;
}
inline uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

// OUT_OF_MEMORY "<what> needs <bytes> of working memory; this build allows at most <budget>"
// when bytes > kWorkingMemoryBudgetBytes, else OK.
Status CheckWorkingMemory(uint64_t bytes, const std::string& what);

}  // namespace sw
