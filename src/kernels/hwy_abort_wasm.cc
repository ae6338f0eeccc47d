// hwy::Abort for the Emscripten build. Highway's headers call it on a broken invariant; natively it
// comes from libhwy, which does not exist for WASM, so the WASM build defines it here.
#if defined(__EMSCRIPTEN__)

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "hwy/base.h"

namespace hwy {

// Prints "Abort at file:line: message" to stderr and aborts; never returns.
HWY_NORETURN void HWY_FORMAT(3, 4) Abort(const char* file, int line, const char* format, ...) {
  std::fprintf(stderr, "Abort at %s:%d: ", file, line);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace hwy

#endif  // __EMSCRIPTEN__
