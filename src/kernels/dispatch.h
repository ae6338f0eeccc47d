// Per-target compilation and dispatch for the Highway kernels, shared by every kernel .cc file.
//
// Natively a kernel file is compiled once per x86 target (foreach_target.h) and the best one is
// picked at run time (HWY_DYNAMIC_DISPATCH, which needs libhwy). Under Emscripten only the static
// WASM SIMD128 target is compiled and called directly: libhwy does not exist there.
//
// Usage, at the top of a kernel .cc file:
//   #undef HWY_TARGET_INCLUDE
//   #define HWY_TARGET_INCLUDE "kernels/foo.cc"
//   #include "kernels/dispatch.h"
//
// Deliberately no include guard: like hwy/highway.h, this header is re-included in each per-target
// pass of foreach_target.h, and highway.h must be re-included in each pass to define that target.
#if !defined(__EMSCRIPTEN__)
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#endif
#include "hwy/highway.h"

#ifndef SW_KERNELS_DISPATCH_MACROS_
#define SW_KERNELS_DISPATCH_MACROS_
// The function pointer for the best compiled target: SW_DISPATCH(Fn)(args...). Use it after
// HWY_EXPORT(Fn) in the HWY_ONCE section of the file.
#if defined(__EMSCRIPTEN__)
#define SW_DISPATCH(FUNC_NAME) HWY_STATIC_DISPATCH(FUNC_NAME)
#else
#define SW_DISPATCH(FUNC_NAME) HWY_DYNAMIC_DISPATCH(FUNC_NAME)
#endif
#endif  // SW_KERNELS_DISPATCH_MACROS_
