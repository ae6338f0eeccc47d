// The in-memory copy of SiLU's constants (see kernels/silu_constants.h). It lives in a file of its
// own so that no kernel's translation unit sees its values and folds them back into immediates
// (NOLINT: a mutable global on purpose, see the header).
#include "kernels/silu_constants.h"

namespace sw {

namespace {

SiluConstantVectors Splat(const SiluConstants& c) {
  SiluConstantVectors v;
  for (size_t i = 0; i < kSiluConstantCount; ++i) {
    for (float& lane : v.values[i]) lane = c.values[i];
  }
  return v;
}

}  // namespace

SiluConstantVectors silu_constants_in_memory = Splat(kSiluConstants);

}  // namespace sw
