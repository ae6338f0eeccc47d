// clang 14's WebAssembly backend (Emscripten 3.1.6) with -msimd128 at -O1 or higher prints
// "21 21" here instead of "11 21": the read of s[1] after the first call becomes the vector's
// v128.load64_splat, and the backend places that load after the second call (README.md).
//   emcc -O1 -msimd128 load_splat_repro.c -o r.js && node --no-experimental-fetch r.js
#include <stdio.h>

typedef double v2f64 __attribute__((vector_size(16)));

// Opaque to the caller: writes both elements of s.
__attribute__((noinline)) void fill(double *s, double k) {
  s[0] = k;
  s[1] = k + 1;
}

__attribute__((noinline)) v2f64 two_reads(void) {
  double s[2];
  fill(s, 10);
  const double a = s[1];  // 11
  fill(s, 20);            // overwrites s[1]
  const double b = s[1];  // 21
  return (v2f64){a, b};   // build_vector(load, load)
}

int main(void) {
  const v2f64 r = two_reads();
  printf("%g %g\n", r[0], r[1]);
  return r[0] == 11 && r[1] == 21 ? 0 : 1;
}
