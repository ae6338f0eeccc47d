// The choice of the kernels' SIMD target (see the header), over Highway's target masks.
#include "kernels/simd_target.h"

#include <cstdint>

#include "hwy/targets.h"

namespace sw {

Status UseSimdTarget(const std::string& name) {
  if (name == "best") return Status::Ok();
  if (name != "avx2") {
    return InvalidArgument("SIMD target '" + name + "': expected best or avx2");
  }
#if defined(__EMSCRIPTEN__)
  return InvalidArgument("SIMD target avx2: the WebAssembly build has WASM SIMD128 only");
#else
  if ((hwy::SupportedTargets() & HWY_AVX2) == 0) {
    return InvalidArgument("SIMD target avx2: this CPU has no AVX2");
  }
  // Highway's better targets have the lower bits: disable every one above AVX2.
  hwy::DisableTargets(HWY_AVX2 - 1);
  return Status::Ok();
#endif
}

std::string SimdTargetName() {
#if defined(__EMSCRIPTEN__)
  return hwy::TargetName(HWY_STATIC_TARGET);
#else
  const int64_t targets = hwy::SupportedTargets();
  return hwy::TargetName(targets & -targets);  // the lowest bit: the best target
#endif
}

}  // namespace sw
