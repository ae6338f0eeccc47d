// The in-memory copy of SiLU's constants (see kernels/silu_constants.h). It lives in a file of its
// own so that no kernel's translation unit sees its values and folds them back into immediates.
#include "kernels/silu_constants.h"

namespace sw {

namespace {

constexpr SiluConstantVectors Splat(const SiluConstants& c) {
  SiluConstantVectors v{};
  for (size_t i = 0; i < kSiluConstantCount; ++i) {
    for (size_t lane = 0; lane < 4; ++lane) v.values[i][lane] = c.values[i];
  }
  return v;
}

}  // namespace

// Constant-initialised (Splat is constexpr), so it holds its values before any dynamic
// initialiser of another file could run a kernel.
SiluConstantVectors silu_constants_in_memory = Splat(kSiluConstants);

}  // namespace sw
