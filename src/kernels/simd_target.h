// Which SIMD target the kernels run on. Natively every kernel is compiled for several x86 targets
// and the best one the CPU has is picked at run time; results are deterministic per target, but
// FMA, vector width and register tiles change the last bits, so a trained file is reproducible
// byte for byte only on the target it was trained on. Pinning AVX2 (which every x86-64 machine of
// this project has) makes a training or sampling run give the same bits on all of them. Under
// Emscripten there is one target, WASM SIMD128.
#pragma once

#include <string>

#include "core/status.h"

namespace sw {

// "best" (the default: the best target this CPU has) or "avx2" (AVX2 even where AVX-512 exists).
// Call before any kernel runs. INVALID_ARGUMENT for another name, or "avx2" on a CPU without it
// (or in the WebAssembly build).
Status UseSimdTarget(const std::string& name);

// The target the kernels use now, in Highway's words (e.g. "AVX2", "AVX3", "WASM").
std::string SimdTargetName();

}  // namespace sw
